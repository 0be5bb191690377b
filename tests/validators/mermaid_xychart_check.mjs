// Parses one Mermaid `xychart` (its text on stdin, without the ``` fence) with Mermaid's own
// xychart parser, the Jison grammar of the npm package `mermaid` (its dist chunk
// `xychartDiagram-*.mjs`), and prints what the parser read as JSON: the y-axis range and the
// numbers of each bar and line. The diagram's database is replaced by a recorder: the grammar is
// what is checked, and the real database needs a browser (DOMPurify). A text the grammar refuses
// fails with Mermaid's parse error on stderr and exit status 1.
//
// usage: node mermaid_xychart_check.mjs < chart.txt   (MERMAID_CHECK: where mermaid is installed)
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = process.env.MERMAID_CHECK || "/opt/mermaid-check";
const chunks = join(root, "node_modules/mermaid/dist/chunks/mermaid.core");
const chunk = readdirSync(chunks).find((f) => /^xychartDiagram-.*\.mjs$/.test(f));
if (!chunk) {
  console.error(`no xychartDiagram-*.mjs under ${chunks} (npm install mermaid there)`);
  process.exit(2);
}
const { diagram } = await import(pathToFileURL(join(chunks, chunk)).href);
const read = { y_axis: null, bars: [], lines: [] };
const yy = {};
for (const name of ["setAccDescription", "setAccTitle", "setDiagramTitle", "setOrientation",
  "setXAxisBand", "setXAxisRangeData", "setXAxisTitle", "setYAxisTitle"]) {
  yy[name] = () => {};
}
yy.setYAxisRangeData = (min, max) => { read.y_axis = [min, max]; };
yy.setBarData = (_, data) => read.bars.push(data);
yy.setLineData = (_, data) => read.lines.push(data);
diagram.parser.parser.yy = yy;
// Mermaid takes a diagram's YAML frontmatter (`---\nconfig: …\n---`) off before the diagram's
// grammar sees the text (its `frontMatterRegex`); the grammar is given what Mermaid gives it.
const frontMatter = /^-{3}\s*[\n\r](.*?)[\n\r]-{3}\s*[\n\r]+/s;
let text = readFileSync(0, "utf8");
const found = text.match(frontMatter);
if (found) {
  read.front_matter = found[1];
  text = text.slice(found[0].length);
}
try {
  diagram.parser.parse(text);
} catch (err) {
  console.error(String(err.message || err));
  process.exit(1);
}
console.log(JSON.stringify(read));
