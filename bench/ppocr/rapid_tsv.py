"""PP-OCRv4 (the rapidocr_onnxruntime wheel, models included) behind tesseract's command
line and TSV output, so that gongkai's own OCR pipeline can be measured with it: see
bench/ocr-engines.sh. Takes tesseract's arguments (a list file of images first), reads
each image with PP-OCR (text detection, then recognition) and prints tesseract's TSV: a
page row per image, a word row per word, the words of a detected line sharing its box
by their characters."""
import json
import os
import sys

from rapidocr_onnxruntime import RapidOCR

listing = sys.argv[1]
if listing.endswith(".txt"):
    files = [line.strip() for line in open(listing, encoding="utf-8") if line.strip()]
else:
    files = [listing]
engine = RapidOCR(**json.loads(os.environ.get("PPOCR_KWARGS", "{}")))
print("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext")
for page, path in enumerate(files, 1):
    print(f"1\t{page}\t0\t0\t0\t0\t0\t0\t0\t0\t-1\t")
    result, _ = engine(path, use_cls=False)
    for n, (quad, text, score) in enumerate(result or []):
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        left, top, width, height = min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)
        words = text.split()
        total = sum(len(w) for w in words) + len(words) - 1
        at = 0
        for k, word in enumerate(words):
            x0 = left + width * at / total
            x1 = left + width * (at + len(word)) / total
            at += len(word) + 1
            print(
                f"5\t{page}\t1\t1\t{n + 1}\t{k + 1}\t{x0:.0f}\t{top:.0f}\t{x1 - x0:.0f}"
                f"\t{height:.0f}\t{score * 100:.2f}\t{word}"
            )
