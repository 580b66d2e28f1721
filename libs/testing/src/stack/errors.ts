/**
 * A failure of the local stack that a person can act on: `message` says what
 * went wrong, `hint` says what to install, free or look at.
 */
export class StackError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string) {
    super(hint === undefined ? message : `${message}\n  → ${hint}`);
    this.name = 'StackError';
    this.code = code;
    this.hint = hint;
  }
}
