// The blessed front end: one full-screen box that shows render()'s lines; keys, mouse and
// resize go to the model through KeyMap. The terminal is restored however the UI ends.
import blessed from 'blessed';
import type { Key, MouseData, Screen } from 'blessed';
import type { TuiModel } from '../model/app.js';
import { KeyMap } from './keys.js';
import { MIN_HEIGHT, MIN_WIDTH, render } from './render.js';
import type { Region } from './render.js';

export interface Ui {
  /** Resolves when the user quits. */
  done: Promise<void>;
  redraw(): void;
  destroy(): void;
}

export function startUi(m: TuiModel): Ui {
  const screen: Screen = blessed.screen({ smartCSR: true, fullUnicode: false, autoPadding: false, warnings: false, title: 'mipscope', dockBorders: false });
  const box = blessed.box({ top: 0, left: 0, width: '100%', height: '100%', tags: true, wrap: false });
  screen.append(box);
  const keys = new KeyMap();
  let regions: Region[] = [];
  let destroyed = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>(r => { resolveDone = r; });

  const draw = () => {
    if (destroyed) return;
    const w = screen.width, h = screen.height;
    keys.tooSmall = w < MIN_WIDTH || h < MIN_HEIGHT;
    const out = render(m, w, h);
    regions = out.regions;
    box.setContent(out.lines.join('\n'));
    screen.render();
  };
  let pending: NodeJS.Timeout | null = null;
  const schedule = () => { if (!pending && !destroyed) pending = setTimeout(() => { pending = null; draw(); }, 40); };
  m.onChange = schedule;

  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    if (pending) clearTimeout(pending);
    screen.destroy();
    resolveDone();
  };
  const after = () => { if (m.quit) destroy(); else draw(); };

  screen.on('keypress', (ch: string | undefined, key: Key | undefined) => {
    if (!key) return;
    const r = keys.handle(m, ch, key);
    after();
    if (r) void Promise.resolve(r).then(after, e => { m.error(String((e as Error)?.message ?? e)); after(); });
  });
  screen.on('mouse', (d: MouseData) => { keys.mouse(m, regions, d.action, d.x, d.y); after(); });
  screen.on('resize', () => draw());
  screen.enableMouse();
  draw();
  return { done, redraw: draw, destroy };
}
