#!/usr/bin/env python3
"""Writes the test strings of the byte-level BPE fixtures, one hex line each:
the strings of tests/fixtures/tokenizer/llama_spm.tsv, llama.cpp's own
test-tokenizer-0 strings (a .inp file, if given), and strings that stress
the pre-tokenizers. usage: bpe-strings.py [INP_FILE] > strings.hex"""
import sys

def stress():
    s = []
    # contractions, both cases
    s += ["I'm you're we've he'll she'd it's don't", "I'M YOU'RE WE'VE HE'LL SHE'D IT'S DON'T",
          "i'M yOu'Re We'Ve", "'s 't 're 've 'm 'll 'd", "''s x'ſt ''", "rock'n'roll O'Neil's", "'S'T'RE'VE'M'LL'D"]
    # digit runs of every length
    s += ["".join(str((i + k) % 10) for i in range(k)) for k in range(1, 17)]
    s += ["a1b22c333d4444e55555", " 12 345 6789", "3.14159265358979", "1,234,567.89", "x²+y³=z¹ ½ ⅞ Ⅻ ①②", "٠١٢٣٤٥٦٧٨٩ ١٢٣٤", "१२३४ ๑๒๓"]
    # whitespace runs before words, digits, punctuation
    for ws in [" ", "  ", "   ", "\t", " \t ", "    "]:
        s += [ws + "word", ws + "123", ws + "!?", "a" + ws + "b" + ws]
    # CR/LF mixes and tabs
    s += ["a\r\nb", "a\n\rb", "\r\n\r\n", "x \n y", "  \n\n  \n", "tab\t\tsep\tend\t", "\n\n\nthree", "line\r\n  indented\r\n", "!\n\n", " ?!\n\nx", "\r", "\n \n \n"]
    # NBSP and other Unicode spaces
    s += ["a\u00a0b", "\u00a0\u00a0lead", "em\u2003space", "thin\u2009space\u200a", "ideo\u3000graphic", "nnbsp\u202fx", "\u2028line\u2029para", "zw\u200bsp\ufeffbom", "\u0085nel", "\u1680ogham", "\u2000\u2001\u2002 x", "\u205fmath"]
    # emoji with ZWJ, CJK, Arabic, Devanagari
    s += ["👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "👩🏽‍💻 coder", "😀😃😄😁", "❤️‍🔥", "日本語のテキスト", "汉字和标点。！", "한국어 텍스트", "𠀀𠀁 ext-B", "\U0002EBF0 15.1",
          "مرحبا بالعالم", "السَّلَامُ عَلَيْكُمْ", "नमस्ते दुनिया", "हिन्दी क्षत्रिय", "ภาษาไทย", "Ελληνικά κείμενο"]
    # decomposed accents
    s += ["cafe\u0301", "e\u0301e\u0300e\u0302", "n\u0303o", "A\u030a", "\u0301lead mark", "Zalgo z\u0335\u0321\u0347a\u0336l\u0334g\u0338o"]
    # special-token text
    s += ["<|begin_of_text|>hi<|eot_id|>", "<|im_start|>user\nhello<|im_end|>\n", "<|endoftext|>", "a<|endoftext|>b",
          "</s>", "<s>x</s>", "<think>ok</think>", "<|eot_id|><|eot_id|>", "<|start_header_id|>system<|end_header_id|>\n\n",
          "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", "<|im_start|", "<|endoftext|", "<<|endoftext|>>", "<|file_sep|>", "<|repo_name|>x"]
    # punctuation and symbols
    s += ["a != b", "Hello , world .", "x ' y", "it 's it 'll", "$100 + 5^2 ~ |x| < y > z = w", "`code` ```py```", "@user #tag", "...", "--- ***", "(a)[b]{c}", "¿Qué? ¡Sí!", "«quotes» „de“", "a—b–c", "©®™"]
    # long and odd
    s += ["supercalifragilisticexpialidocious " * 3, "a" * 300, " " * 40 + "x", "ab" * 100, "😀" * 20, "\x00\x01\x1f\x7f"]
    return [x.encode("utf-8") for x in s]

def invalid():
    return [b"\xff", b"Hello\xc3(", b"\xe2\x82\xac\x80\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80",
            b"a\x80b", b"\xfe\xfe", b"caf\xc3", b"\xf0\x9f\x98", b"ok \xe4\xb8 x", b"\xc3\xa9\xe9"]

def main():
    out = []
    for line in open("tests/fixtures/tokenizer/llama_spm.tsv", encoding="utf-8"):
        if line.startswith("#"):
            continue
        h = line.split("\t")[0]
        out.append(b"" if h == "-" else bytes.fromhex(h))
    if len(sys.argv) > 1:
        data = open(sys.argv[1], "rb").read().decode("utf-8")
        out += [x.encode("utf-8") for x in data.split("\n__ggml_vocab_test__\n")[:-1]]
    out += stress() + invalid()
    seen = set()
    for s in out:
        if s in seen:
            continue
        seen.add(s)
        print(s.hex() or "-")

main()
