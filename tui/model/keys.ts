// The Keys view: the SA table — supplied in the keys file and learned from the traffic (which
// frame taught it, which SA protected that message) — with key bytes hidden until asked for.
import type { Session } from '../../dissector/session.js';
import { frameKeyResults, kxState, LEARN_METHODS } from '../../dissector/keys/index.js';
import type { SecurityAssociation } from '../../dissector/keys/index.js';
import { hex, spiHex } from '../../dissector/format.js';

export interface KeyRow {
  sa: SecurityAssociation;
  spi: string;
  label: string;
  algorithms: string;
  source: string;
  /** The frame that taught the key (learned keys). */
  frame: number | null;
  /** SPIs of the SAs that protected the message teaching it. */
  protectedBy: string;
  lifetime: string;
  key: string;
  revealed: boolean;
}


export class KeysModel {
  selected = 0;
  top = 0;
  height = 10;
  /** Keys shown in clear, by SA. */
  private readonly revealed = new Set<SecurityAssociation>();
  constructor(private readonly session: Session) {}

  rows(): KeyRow[] {
    return kxState(this.session).table.all().map(sa => {
      const learned = sa.source.kind === 'learned' ? sa.source : null;
      let protectedBy = '';
      if (learned) {
        const r = frameKeyResults(this.session, learned.frame);
        const spis = new Set([...r.decryptions.filter(d => d.ok).map(d => d.spi), ...r.auth.filter(a => a.status === 'good').map(a => a.spi)]);
        protectedBy = [...spis].map(spiHex).join(', ');
      }
      const revealed = this.revealed.has(sa);
      return {
        sa, spi: spiHex(sa.spi), label: sa.label ?? sa.peer ?? '',
        algorithms: [sa.auth, sa.cipher].filter(Boolean).join(', ') || '-',
        source: learned ? `frame ${learned.frame}: ${LEARN_METHODS[learned.method]}` : 'keys file',
        frame: learned ? learned.frame : null, protectedBy,
        lifetime: sa.lifetime === undefined ? '' : sa.lifetime === 0xffffffff ? 'infinite' : `${sa.lifetime} s`,
        key: revealed ? hex(sa.key) : `(hidden, ${sa.key.length} bytes)`,
        revealed,
      };
    });
  }

  get count(): number { return kxState(this.session).table.size; }
  select(i: number): void {
    this.selected = Math.max(0, Math.min(this.count - 1, i));
    if (this.selected < this.top) this.top = this.selected;
    if (this.selected >= this.top + this.height) this.top = this.selected - this.height + 1;
  }
  move(d: number): void { this.select(this.selected + d); }
  /** Shows or hides the selected key's bytes. */
  toggleReveal(): void {
    const row = this.rows()[this.selected];
    if (!row) return;
    if (this.revealed.has(row.sa)) this.revealed.delete(row.sa); else this.revealed.add(row.sa);
  }
  selectedRow(): KeyRow | undefined { return this.rows()[this.selected]; }
}
