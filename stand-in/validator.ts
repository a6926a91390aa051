// Validates bodies against the vendored strict contract (contract/, a verbatim copy of the
// project's shared contract). Requests use a "request view" of the schemas in which read-only
// properties are removed, as Prism does: so a request `schema` carrying `semantic` is rejected.
// Error objects never carry the data that was validated (no `verbose`), so they hold no key bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

export const CONTRACT_FILE_NAME = 'pieces-external-provider.strict.openapi.yaml';

export type RequestSchemaName =
  'PrecreatedExternalProviderApiKey' | 'PreupdatedExternalProviderApiKey' | 'PredeletedExternalProviderApiKey';

export type ResponseSchemaName =
  'CreatedExternalProviderApiKey' | 'UpdatedExternalProviderApiKey' | 'DeletedExternalProviderApiKey' | 'ReturnedUserProfile';

export interface ValidationResult {
  valid: boolean;
  /** Ajv's errors (paths, keywords and messages; never the validated values). */
  errors: ErrorObject[];
}

type JsonObject = Record<string, unknown>;

/** The contract file: next to the compiled file (out/stand-in/contract) or in the source tree. */
export function findContractFile(): string {
  const candidates = [
    path.join(__dirname, 'contract', CONTRACT_FILE_NAME),
    path.resolve(__dirname, '..', '..', 'stand-in', 'contract', CONTRACT_FILE_NAME),
    path.resolve(__dirname, '..', 'stand-in', 'contract', CONTRACT_FILE_NAME),
  ];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) throw new Error(`stand-in: contract file not found (looked in ${candidates.join(', ')})`);
  return found;
}

export class ContractValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(contractFile: string = findContractFile()) {
    const document = parseYaml(fs.readFileSync(contractFile, 'utf8')) as JsonObject;
    const components = document.components as { schemas: Record<string, JsonObject> } | undefined;
    if (!components?.schemas) throw new Error(`stand-in: ${contractFile} has no components.schemas`);
    this.ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(this.ajv);
    // OpenAPI keywords that are not JSON Schema: `components` holds the schemas, `example` is a note.
    this.ajv.addVocabulary(['components', 'example']);
    this.ajv.addSchema({ $id: 'pieces-response', components });
    this.ajv.addSchema({ $id: 'pieces-request', components: { schemas: withoutReadOnly(components.schemas) } });
  }

  validateRequest(name: RequestSchemaName, body: unknown): ValidationResult {
    return this.run(`pieces-request#/components/schemas/${name}`, body);
  }

  validateResponse(name: ResponseSchemaName, body: unknown): ValidationResult {
    return this.run(`pieces-response#/components/schemas/${name}`, body);
  }

  private run(ref: string, body: unknown): ValidationResult {
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    const valid = validate(body);
    return { valid, errors: valid ? [] : [...(validate.errors ?? [])] };
  }
}

let shared: ContractValidator | undefined;

/** One validator per process (compiling the schemas takes a few milliseconds). */
export function contractValidator(): ContractValidator {
  shared ??= new ContractValidator();
  return shared;
}

/** Short text for a list of Ajv errors, e.g. `/open_AI must NOT have additional property "apiKey"`. */
export function describeErrors(errors: readonly ErrorObject[]): string {
  return errors
    .map((error) => {
      const where = error.instancePath || '(body)';
      const extra = error.params as { additionalProperty?: unknown };
      const suffix = typeof extra.additionalProperty === 'string' ? ` "${extra.additionalProperty}"` : '';
      return `${where} ${error.message ?? error.keyword}${suffix}`;
    })
    .join('; ');
}

/**
 * The request view: every property whose schema (or `$ref` target) is `readOnly` is dropped from
 * `properties` and `required`. With `additionalProperties: false` it is then refused, as in Prism.
 */
function withoutReadOnly(schemas: Record<string, JsonObject>): Record<string, JsonObject> {
  const copy = structuredClone(schemas);
  const isReadOnly = (schema: unknown): boolean => {
    if (!schema || typeof schema !== 'object') return false;
    const node = schema as JsonObject;
    if (node.readOnly === true) return true;
    const ref = typeof node.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(node.$ref) : null;
    return ref?.[1] !== undefined && schemas[ref[1]]?.readOnly === true;
  };
  for (const schema of Object.values(copy)) {
    const properties = schema.properties as Record<string, unknown> | undefined;
    if (!properties) continue;
    for (const [name, property] of Object.entries(properties)) {
      if (!isReadOnly(property)) continue;
      delete properties[name];
      if (Array.isArray(schema.required)) schema.required = schema.required.filter((entry) => entry !== name);
    }
    if (Array.isArray(schema.required) && schema.required.length === 0) delete schema.required;
  }
  return copy;
}
