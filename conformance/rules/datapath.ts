// Rules over the data path: what the home agent does with the bindings it accepted — tunnels
// (RFC 5944 §4.2.3, §3.1; RFC 3024) and ARP on the home link (RFC 5944 §4.6). They read the
// verdicts the dissector's binding table (dissector/bindings.ts) gives each packet.
import { arpMessages } from '../../dissector/arp.js';
import { arpVerdicts, bindingsMade, encapsulationRequested, tunnelVerdicts } from '../../dissector/bindings.js';
import type { Binding } from '../../dissector/bindings.js';
import { ipv4String } from '../../dissector/format.js';
import type { Rule } from '../rule.js';

const ENCAP = { ipip: 'IP in IP', minenc: 'minimal encapsulation', gre: 'GRE' } as const;

export const datapathRules: readonly Rule[] = [
  {
    id: 'MIP-TUN-BINDING', title: 'Tunnelled traffic has a binding in force', severity: 'error', reference: 'RFC 5944 §4.2.3, §3.8.2',
    description: 'A datagram tunnelled between a care-of address and the home agent for a mobile node (a home address seen in registrations) belongs to a binding the home agent accepted for that care-of address, within its lifetime.',
    create: ctx => ({
      packet(pkt) {
        const v = tunnelVerdicts.get(pkt);
        if (!v) return;
        ctx.checked();
        const coa = ipv4String(v.direction === 'to-mn' ? v.tunnel.outerDst : v.tunnel.outerSrc), home = ipv4String(v.homeAddr);
        if (v.problem === 'none') ctx.report(pkt.no, `tunnelled ${v.direction === 'to-mn' ? 'to' : 'from'} care-of address ${coa} for ${home}, which has no binding there`, home);
        else if (v.problem === 'expired') ctx.report(pkt.no, `tunnelled ${v.late.toFixed(3)} s after the binding of ${home} at ${coa} (registered in frame ${v.binding!.frame}, lifetime ${v.binding!.lifetime} s) ran out`, home);
      },
    }),
  },
  {
    id: 'MIP-TUN-ENCAPSULATION', title: 'The home agent tunnels with the encapsulation requested', severity: 'warning', reference: 'RFC 5944 §3.1, §3.3 (M, G flags), §4.1',
    description: 'Datagrams the home agent tunnels to the care-of address use IP in IP unless the registration asked for minimal encapsulation (M) or GRE (G).',
    create: ctx => ({
      packet(pkt) {
        const v = tunnelVerdicts.get(pkt);
        if (!v || v.direction !== 'to-mn' || v.problem) return;
        ctx.checked();
        if (v.wrongEncap) ctx.report(pkt.no, `tunnelled with ${ENCAP[v.tunnel.kind]}; the registration in frame ${v.binding!.frame} asked for ${ENCAP[encapsulationRequested(v.binding!)]}`, ipv4String(v.homeAddr));
      },
    }),
  },
  {
    id: 'MIP-TUN-REVERSE-T', title: 'Reverse tunnelling only when the registration set T', severity: 'warning', reference: 'RFC 3024 §3, §4.2; RFC 5944 §3.3',
    description: 'Datagrams from the mobile node are tunnelled from the care-of address to the home agent only for a binding whose request set the T flag.',
    create: ctx => ({
      packet(pkt) {
        const v = tunnelVerdicts.get(pkt);
        if (!v || v.direction !== 'from-mn' || v.problem) return;
        ctx.checked();
        if (v.reverseWithoutT) ctx.report(pkt.no, `reverse tunnelled from ${ipv4String(v.tunnel.outerSrc)} although the registration in frame ${v.binding!.frame} did not set the T flag`, ipv4String(v.homeAddr));
      },
    }),
  },
  {
    id: 'MIP-ARP-AT-HOME', title: 'The home agent stops answering ARP for a mobile node at home', severity: 'warning', reference: 'RFC 5944 §4.6',
    description: 'Once a mobile node has deregistered (it is at home), the home agent no longer answers ARP for its home address with its own MAC address (the one its gratuitous ARP gave while the node was away).',
    create: ctx => ({
      packet(pkt) {
        const v = arpVerdicts.get(pkt);
        if (!v || v.binding || v.atHomeSince === undefined || v.proxyMac === undefined) return;
        ctx.checked();
        if (v.arp.op === 2 && v.arp.senderMac === v.proxyMac) ctx.report(pkt.no, `${v.arp.senderMac} (the home agent's proxy) answers ARP for ${ipv4String(v.arp.senderIp)}, which is at home since its deregistration`, ipv4String(v.arp.senderIp));
      },
    }),
  },
  {
    id: 'MIP-ARP-GRATUITOUS', title: 'A gratuitous ARP follows an accepted registration', severity: 'warning', reference: 'RFC 5944 §4.6',
    description: 'When the home agent accepts a registration of a mobile node away from home, it sends a gratuitous ARP for the home address while the binding is in force, so that the home link delivers to it. Checked only in captures that show the home link (some ARP is seen).',
    create: ctx => {
      const pending: Binding[] = [];
      let homeLink = false;
      return {
        packet(pkt) {
          const b = bindingsMade.get(pkt);
          if (b && pending.length < 4096) pending.push(b);
          if (arpMessages.has(pkt)) homeLink = true;
        },
        end() {
          if (!homeLink) return;
          for (const b of pending) {
            ctx.checked();
            if (b.gratuitousArp === undefined) ctx.report(b.frame, `no gratuitous ARP for ${ipv4String(b.homeAddr)} while its binding at ${ipv4String(b.coa)} (accepted in frame ${b.frame}) was in force`, ipv4String(b.homeAddr));
          }
        },
      };
    },
  },
];
