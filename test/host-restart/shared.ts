// What the two halves of the crash-safety test agree on.
export const RESTART_KEY_NAME = 'Kept across restart';
export const RESTART_KEY_ROTATED = 'sk-test-FAKE-restart-00000000000000002';
