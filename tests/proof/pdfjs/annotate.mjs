// Annotate a PDF with pdf.js's own annotation writer (the code its editor saves with):
//   node annotate.mjs PDFJS_DIR IN.pdf SPEC.json OUT.pdf
// SPEC.json: a list of serialized editors (FreeText, Ink, Highlight) as pdf.js's editors
// serialize themselves into the annotation storage before saveDocument().
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

if (!Promise.withResolvers) {  // Node 20 (Debian bookworm's nodejs is older than pdf.js expects)
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((ok, fail) => { resolve = ok; reject = fail; });
    return { promise, resolve, reject };
  };
}
if (!ArrayBuffer.prototype.transferToFixedLength) {
  ArrayBuffer.prototype.transferToFixedLength = function (length) {
    const copy = new ArrayBuffer(length ?? this.byteLength);
    new Uint8Array(copy).set(new Uint8Array(this, 0, Math.min(this.byteLength, copy.byteLength)));
    return copy;
  };
}
const [pdfjsDir, input, specFile, output] = process.argv.slice(2);
const pdfjs = await import(pathToFileURL(path.join(pdfjsDir, "legacy/build/pdf.mjs")).href);
const data = new Uint8Array(fs.readFileSync(input));
const standardFontDataUrl = path.join(pdfjsDir, "standard_fonts") + path.sep;
const doc = await pdfjs.getDocument({ data, standardFontDataUrl, isEvalSupported: false }).promise;
const specs = JSON.parse(fs.readFileSync(specFile, "utf-8"));
specs.forEach((spec, index) => {
  const editor = { ...spec };
  if (editor.quadPoints) editor.quadPoints = new Float32Array(editor.quadPoints);
  if (editor.outlines) editor.outlines = editor.outlines.map((o) => new Float32Array(o));
  if (editor.paths) {
    editor.paths = {
      lines: editor.paths.lines.map((l) => new Float32Array(l.map((v) => (v === null ? NaN : v)))),
      points: editor.paths.points.map((p) => new Float32Array(p)),
    };
  }
  doc.annotationStorage.setValue(`pdfjs_internal_editor_${index}`, editor);
});
const saved = await doc.saveDocument();
fs.writeFileSync(output, saved);
process.exit(0);  // the fake worker keeps the event loop alive
