// The peers `make bench` runs beside BorderLedger, from their own npm packages (pinned in
// package.json): TradeTrust's DocumentStore contract, as that package ships it compiled, and
// OpenAttestation's Merkle wrapping of documents.
//
//   node tools/bench_peers/peers.mjs document-store   → {"abi": [...], "bytecode": "0x…"}
//   node tools/bench_peers/peers.mjs wrap N           → {"documents": N, "seconds": s, "merkle_root": "…"}
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [command, count] = process.argv.slice(2);

if (command === "document-store") {
  const { DocumentStoreFactory } = require("@govtechsg/document-store");
  console.log(JSON.stringify({ abi: DocumentStoreFactory.abi, bytecode: DocumentStoreFactory.bytecode }));
} else if (command === "wrap") {
  const { wrapDocuments } = require("@govtechsg/open-attestation");
  const n = Number(count);
  // OpenAttestation v2 documents of about the size of a BorderLedger entry's payload.
  const documents = Array.from({ length: n }, (_, i) => ({
    $template: { name: "main", type: "EMBEDDED_RENDERER", url: "https://renderer.invalid" },
    issuers: [
      {
        name: "Exporter",
        documentStore: "0x8Fc57204c35fb9317D91285eF52D6b892EC08cD3",
        identityProof: { type: "DNS-TXT", location: "exporter.invalid" },
      },
    ],
    type: "ObjectEvent",
    eventTime: `2026-11-28T00:00:${String(i % 60).padStart(2, "0")}Z`,
    action: "OBSERVE",
    readPoint: { id: `urn:bench:point:${i}` },
  }));
  const start = performance.now();
  const wrapped = wrapDocuments(documents);
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ documents: n, seconds, merkle_root: wrapped[0].signature.merkleRoot }));
} else {
  console.error("usage: peers.mjs document-store | wrap N");
  process.exit(2);
}
