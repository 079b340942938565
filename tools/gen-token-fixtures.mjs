// Produces the expected token ids for EMBODIOS's tokenizer tests with
// llama.cpp itself: tools/llama-tokenize.c, built here against the prebuilt
// libllama that node-llama-cpp ships (headers from its bundled llama.cpp
// release, extracted into build/), calls llama_tokenize(add_special,
// parse_special = false) -- BOS and EOS come from llama.cpp, as the model's
// add_bos_token / add_eos_token say, never added by hand.
//   node tools/gen-token-fixtures.mjs [OUT_DIR]
// Models (scripts/make-models.sh makes them) and the fixtures written:
//   build/models/vocab-only.gguf     -> OUT_DIR/llama_spm.{json,tsv}
//   build/models/vocab-special.gguf  -> OUT_DIR/llama_spm_special.{json,tsv}
//     (LLaMA's vocabulary plus user-defined tokens, add_eos_token = true)
// A developer tool: the tests only read the committed fixtures. Needs gcc,
// git and tools/node_modules (tools/install.sh); runs on node 18 too.
// Special tokens in the text are NOT parsed (`<s>` is plain text), as in the
// kernel; user-defined tokens are split out (llama.cpp does that always).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

const outDir = process.argv[2] || "tests/fixtures/tokenizer";
const bins = "tools/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64";
const bundle = "tools/node_modules/node-llama-cpp/llama/gitRelease.bundle";
const src = "build/llama-release";
const helper = "build/llama-tokenize";

if (!existsSync(`${src}/include/llama.h`)) {
    execFileSync("rm", ["-rf", src]);
    execFileSync("git", ["clone", "-q", "--no-checkout", bundle, src]);
    execFileSync("git", ["-C", src, "checkout", "-q", "HEAD", "--", "include", "ggml/include"]);
}
execFileSync("gcc", ["-O1", "-o", helper, "tools/llama-tokenize.c", `-I${src}/include`, `-I${src}/ggml/include`,
    `-L${bins}`, "-l:libllama.v0.5.0.so", "-l:libggml.v0.5.0.so", "-l:libggml-base.so", `-Wl,-rpath,${bins}`]);

const longWord = "pneumonoultramicroscopicsilicovolcanoconiosis".repeat(4);
const strings = [
    "", " ", "  ", "   ", "     ", " leading", "   three leading", "trailing ", "trailing   ",
    " both ", "a  b   c    d",
    "\n", "\n\n", "line one\nline two", "ends with newline\n", "\r\n", "tab\there", "\t", "\t\tindent",
    "0", "12345", "3.14159", "1,000,000", "2024-11-25", "phone 555-0123",
    "Hello, world!", "What's up?", "(parens) [brackets] {braces}", "a+b=c; x*y/z", "@#$%^&*~`|",
    "\"quoted\" and 'single'", "back\\slash", "...!?;:",
    "café", "naïve résumé", "Ünïcödé", "ñandú", "Ελληνικά", "Привет, мир", "עברית", "مرحبا",
    "日本語", "中文测试", "한국어", "こんにちは世界",
    "😀", "emoji 🎉🎉 party", "👍🏽", "🇫🇷 flag",
    longWord, "x".repeat(120),
    "<s>", "</s>", "<s> hello </s>", "<unk>", "<0x41>",
    "\u0001\u0002 control", "soft\u00adhyphen", "zero\u200bwidth",
    "Once upon a time, there was a little girl named Lily.",
    "The quick brown fox jumps over the lazy dog.",
    "Hello world",
    // (Text holding U+2581 itself is left out: its ids match, but it cannot
    // decode back to itself, llama.cpp too gives spaces, and the host test
    // requires an exact round trip of every fixture.)
    "ideographic\u3000space", "Hello\tworld\n", "   \n  ",
    "don't I'm U.S.A.", "x\u00b2 + \u20ac100 \u2014 \u00bd", "\u00ff\u00fe bytes",
];
const noSpecial = ["Hello world", " Hello", "no bos here\n", "日本語", ""];

// The user-defined tokens of vocab-special.gguf (scripts/make-models.sh).
const special = [
    "<|user|>Hello world<|assistant|>", "<|user|><|assistant|>", "[INST] tell a story [INST]", "Hello worldHello world",
    " Hello world ", "the theme of the other", "athe", "<|user|> spaced", "\n<|assistant|>\n", "<|user", "|>",
    "Hello world!", "x<|assistant|>y", "xyzzy", "a xyzzy b", "xyzzyxyzzy", " xyzzy", "once upon a time the end<|assistant|>",
];

function run(model, name, texts, extraNoSpecial) {
    const cases = [...texts.map(t => [t, 1]), ...extraNoSpecial.map(t => [t, 0])];
    const input = cases.map(([t, s]) => `${Buffer.from(t, "utf8").toString("hex") || "-"}\t${s}\n`).join("");
    const out = execFileSync(helper, [model, bins], { input, maxBuffer: 64 << 20 }).toString().split("\n");
    const header = out.shift();
    const lines = out.filter(l => l && !l.startsWith("#"));
    if (lines.length !== cases.length)
        throw new Error(`${name}: ${lines.length} results for ${cases.length} cases`);
    const json = lines.map((l, i) => {
        const ids = l.split("\t")[2];
        return { text: cases[i][0], add_special: cases[i][1] === 1, ids: ids ? ids.split(" ").map(Number) : [] };
    });
    writeFileSync(`${outDir}/${name}.json`, JSON.stringify(json, null, 1) + "\n");
    writeFileSync(`${outDir}/${name}.tsv`,
        `# hex(text)\tadd_special\tids  -- llama.cpp's llama_tokenize (node-llama-cpp 3.22.1's libllama, ` +
        `tools/gen-token-fixtures.mjs) on ${model}; model: ${header.slice(2)}\n` + lines.join("\n") + "\n");
    console.log(`gen-token-fixtures: ${name}: ${cases.length} cases from ${model} (${header.slice(2)})`);
}

mkdirSync(outDir, { recursive: true });
run("build/models/vocab-only.gguf", "llama_spm", strings, noSpecial);
run("build/models/vocab-special.gguf", "llama_spm_special", [...special, ...strings.slice(0, 30)], special.slice(0, 6));
