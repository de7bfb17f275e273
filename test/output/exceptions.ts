// The documented differences between mipscope's output and tshark 4.0's on the standard corpus.
// Each is a deliberate choice or belongs to a dissector, not to the output formats; the tests
// apply these and nothing else before comparing.
//
// 1. Fields and expert items tshark does not have (mip.ident.hex, mip.auth.status, request/
//    reply tracking, conformance experts): set aside by abbrev (helpers.tsharkHasMember).
// 2. Extension types claimed by the KX preferences (mip.kx.type.*): tshark reads them as
//    unknown extensions; frames carrying them are not compared (helpers.kxExtensionTypes).
// 3. A NAT-traversal message's tunnelled datagram: tshark nests its IP/UDP protocols inside the
//    Mobile IP tree, mipscope shows them as layers of their own; set aside.
// 4. Reply code 194 ("Invalid Home Agent Address", RFC 4433): tshark 4.0's table lacks it and
//    shows "Unknown (194)".
// 5. The Mobile IP protocol line: mipscope appends the message type, "Mobile IP (Registration
//    Request)"; tshark shows "Mobile IP". (Set by dissector/mip/messages.ts.)

/** Maps a mipscope label to tshark's where exceptions 4 and 5 apply. */
export function asTsharkLabel(label: string): string {
  return label
    .replace(/^(\s*)Mobile IP \([^)]*\)$/, '$1Mobile IP')
    .replace(/Reply Code: Reg Deny \(FA\)- Invalid Home Agent Address \(194\)/, 'Reply Code: Unknown (194)');
}
