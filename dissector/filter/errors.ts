// Filter errors point at the offending part of the filter text, as Wireshark's do:
//   "mip.foo" is not a valid protocol or protocol field.
//       mip.foo == 1
//       ^~~~~~~

export class FilterError extends Error {
  /** 1-based column of the offending token, for people (offset + 1). */
  readonly column: number;

  /**
   * @param message what is wrong, one line
   * @param offset 0-based index in the filter text of the offending token (text.length at the end)
   * @param length length of the offending token (0 for "at the end")
   */
  constructor(message: string, readonly offset: number, readonly length: number, readonly showText = true) {
    super(message);
    this.name = 'FilterError';
    this.column = offset + 1;
  }

  /** The caret line under `text`: spaces up to the token, then `^~~~` over it. */
  caret(): string {
    return ' '.repeat(this.offset) + '^' + '~'.repeat(Math.max(0, this.length - 1));
  }

  /**
   * The message, then the filter and the caret line, indented as tshark prints them (only the
   * message when the filter text would not help, e.g. a filter nested too deeply).
   */
  describe(text: string): string {
    if (!this.showText) return this.message;
    return `${this.message}\n    ${text}\n    ${this.caret()}`;
  }
}
