// An outsider's check of a BorderLedger credential with tools BorderLedger did not write:
// jose (JWS signature against the key resolved from the issuer's did:web document, fetched
// over HTTPS), ajv (the JSON Schema the credential names), jsonld (expansion in safe mode
// against the W3C context from @digitalbazaar/credentials-context, offline) and the status
// lists decoded as the W3C Bitstring Status List specification says (GZIP, MSB first).
//
// usage: node verify_vc.mjs CREDENTIAL_FILE SCHEMA_FILE CUSTOMS_CONTEXT_FILE
// Trusts the CA in NODE_EXTRA_CA_CERTS. Prints one JSON object; exit 0 unless it crashed.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as jose from "jose";
import jsonld from "jsonld";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { contexts as w3cContexts } from "@digitalbazaar/credentials-context";

const [credentialFile, schemaFile, customsContextFile] = process.argv.slice(2);
const token = readFileSync(credentialFile, "utf8").trim();
const contexts = {
  "https://www.w3.org/ns/credentials/v2": w3cContexts.get("https://www.w3.org/ns/credentials/v2"),
  "https://borderledger.org/ns/customs/v1": JSON.parse(readFileSync(customsContextFile, "utf8")),
};

function didWebUrl(did) {
  const [host, ...path] = did.slice("did:web:".length).split(":");
  const location = path.length ? path.map(decodeURIComponent).join("/") : ".well-known";
  return `https://${decodeURIComponent(host)}/${location}/did.json`;
}

async function keyFor(kid) {
  const did = kid.split("#")[0];
  const response = await fetch(didWebUrl(did));
  if (!response.ok) throw new Error(`DID document: HTTP ${response.status}`);
  const document = await response.json();
  if (document.id !== did) throw new Error("the DID document is another DID's");
  if (!document.assertionMethod.includes(kid)) throw new Error(`${kid} is not an assertion method`);
  const method = document.verificationMethod.find((m) => m.id === kid);
  return method.publicKeyJwk;
}

async function verifyJws(jws) {
  const header = jose.decodeProtectedHeader(jws);
  const key = await jose.importJWK(await keyFor(header.kid), header.alg);
  const { payload, protectedHeader } = await jose.compactVerify(jws, key, { algorithms: ["ES256", "ES256K"] });
  if (protectedHeader.typ !== "vc+jwt") throw new Error(`typ is ${protectedHeader.typ}`);
  return { header: protectedHeader, credential: JSON.parse(new TextDecoder().decode(payload)) };
}

async function statusBit(entry, issuer) {
  const response = await fetch(entry.statusListCredential);
  if (!response.ok) throw new Error(`status list: HTTP ${response.status}`);
  const { credential: list } = await verifyJws((await response.text()).trim());
  if (list.issuer !== issuer) throw new Error("the status list is another issuer's");
  if (list.credentialSubject.statusPurpose !== entry.statusPurpose) throw new Error("wrong purpose");
  const encoded = list.credentialSubject.encodedList;
  if (!encoded.startsWith("u")) throw new Error("encodedList is not multibase base64url");
  const bits = gunzipSync(Buffer.from(encoded.slice(1), "base64url"));
  const index = Number(entry.statusListIndex);
  return ((bits[Math.floor(index / 8)] >> (7 - (index % 8))) & 1) === 1;
}

const result = { signature: "failed", schema: "not_checked", jsonld: "not_checked", status: {} };
try {
  const { header, credential } = await verifyJws(token);
  result.signature = "passed";
  result.kid = header.kid;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
  result.schema = validate(credential) ? "passed" : `failed: ${ajv.errorsText(validate.errors)}`;
  const documentLoader = async (url) => {
    if (!(url in contexts)) throw new Error(`no offline copy of ${url}`);
    return { contextUrl: null, documentUrl: url, document: contexts[url] };
  };
  const expanded = await jsonld.expand(credential, { documentLoader, safe: true });
  result.jsonld = expanded.length === 1 ? "passed" : "failed";
  for (const entry of credential.credentialStatus) {
    result.status[entry.statusPurpose] = await statusBit(entry, credential.issuer.id);
  }
} catch (error) {
  result.error = String(error && error.message ? error.message : error);
}
console.log(JSON.stringify(result));
