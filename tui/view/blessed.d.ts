// Minimal types for the CommonJS `blessed` package (0.1.x), as the TUI's front end uses it.
declare module 'blessed' {
  interface Key { name?: string; full: string; ctrl: boolean; shift: boolean; meta: boolean; sequence?: string }
  interface MouseData { x: number; y: number; action: string; button?: string }
  interface Program { clear(): void; showCursor(): void; normalBuffer(): void }
  interface Element {
    setContent(text: string): void;
    on(event: string, fn: (...args: any[]) => void): void;
  }
  interface Screen extends Element {
    width: number;
    height: number;
    program: Program;
    append(e: Element): void;
    render(): void;
    destroy(): void;
    key(keys: string[], fn: (ch: string, key: Key) => void): void;
    enableMouse(): void;
  }
  interface Blessed {
    screen(opts: Record<string, unknown>): Screen;
    box(opts: Record<string, unknown>): Element;
  }
  const blessed: Blessed;
  export default blessed;
  export type { Key, MouseData, Screen, Element };
}
