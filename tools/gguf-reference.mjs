// Reads a GGUF file with @huggingface/gguf (an independent reader) and prints
// the header and scalar metadata, one "key<TAB>value" line each, for
// tests/qemu/test_model.py to compare with what the kernel's loadmodel and
// modelinfo print.  Usage: node tools/gguf-reference.mjs MODEL.gguf
import { gguf } from "@huggingface/gguf";
import { resolve } from "node:path";

const file = process.argv[2];
if (!file) {
    console.error("usage: node tools/gguf-reference.mjs MODEL.gguf");
    process.exit(2);
}
const { metadata, tensorInfos } = await gguf(resolve(file), { allowLocalFile: true });
let params = 0n;
for (const t of tensorInfos)
    params += t.shape.reduce((a, b) => a * BigInt(b), 1n);
console.log(`version\t${metadata.version}`);
console.log(`tensor_count\t${metadata.tensor_count}`);
console.log(`kv_count\t${metadata.kv_count}`);
console.log(`parameters\t${params}`);
for (const [key, value] of Object.entries(metadata)) {
    if (["version", "tensor_count", "kv_count"].includes(key))
        continue;
    if (Array.isArray(value))
        console.log(`${key}\t[${value.length}]`);
    else
        console.log(`${key}\t${typeof value === "bigint" ? value.toString() : value}`);
}
for (const t of tensorInfos)
    console.log(`tensor\t${t.name}\t${t.shape.join(",")}\t${t.dtype}\t${t.offset}`);
