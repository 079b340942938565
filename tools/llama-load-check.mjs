// Loads GGUF files with llama.cpp itself (node-llama-cpp 3.22.1, prebuilt CPU
// binaries, offline), weights included, and runs a few tokens through the
// model, so that a file from scripts/mkmodel.py is known to be one llama.cpp
// accepts. Prints "file<TAB>key<TAB>value" lines for tests/model/check-reference.sh:
// what llama.cpp read (description, tensor bytes, context, embedding size,
// vocabulary type and special tokens) and its greedy continuation.
//   node tools/llama-load-check.mjs MODEL.gguf...
import { basename } from "node:path";
import { getLlama } from "node-llama-cpp";

const files = process.argv.slice(2);
if (files.length === 0) {
    console.error("usage: node tools/llama-load-check.mjs MODEL.gguf...");
    process.exit(2);
}
const llama = await getLlama({ gpu: false, build: "never", usePrebuiltBinaries: true, logLevel: "error" });
let failed = 0;
for (const file of files) {
    const name = basename(file);
    const put = (key, value) => console.log(`${name}\t${key}\t${value}`);
    try {
        const t0 = performance.now();
        const model = await llama.loadModel({ modelPath: file });
        put("loaded", "yes");
        put("load_ms", (performance.now() - t0).toFixed(0));
        put("description", model.typeDescription);
        put("tensor_bytes", model.size);
        put("train_context", model.trainContextSize);
        put("embedding", model.embeddingVectorSize);
        put("vocabulary_type", model.tokens.vocabularyType ?? model.vocabularyType);
        put("bos", model.tokens.bos);
        put("eos", model.tokens.eos);
        put("add_bos", model.tokens.shouldPrependBosToken);
        put("parameters_by_node_llama_cpp", model.fileInsights.totalParameters);
        const context = await model.createContext({ contextSize: 64 });
        const prompt = [model.tokens.bos, ...model.tokenize("Once upon a time", false)];
        const out = [];
        for await (const token of context.getSequence().evaluate(prompt, { temperature: 0 })) {
            out.push(token);
            if (out.length >= 4)
                break;
        }
        put("greedy_tokens", out.join(" "));
        await context.dispose();
        await model.dispose();
    } catch (e) {
        put("loaded", `no: ${String(e.message ?? e).split("\n")[0]}`);
        failed++;
    }
}
await llama.dispose();
process.exit(failed ? 1 : 0);
