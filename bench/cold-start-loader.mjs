// Started as `node --import ./network-probe.mjs cold-start-loader.mjs BUNDLE [EVENT_JSON]`.
// Imports the bundle, takes performance.now() (milliseconds since this process started)
// as soon as the module's `handler` export is a function, and prints one JSON line with
// that time and the connection counts of the network probe. Given an event, it then
// invokes the handler once and reports the counts again: this checks that the probe
// counts the connections the SDK opens.
import { pathToFileURL } from 'node:url';

const [bundlePath, eventJson] = process.argv.slice(2);
const probe = globalThis.__networkProbe;
if (!bundlePath || !probe) {
  process.stderr.write('usage: node --import ./network-probe.mjs cold-start-loader.mjs BUNDLE [EVENT_JSON]\n');
  process.exit(2);
}

const module = await import(pathToFileURL(bundlePath).href);
const readyMs = performance.now();
if (typeof module.handler !== 'function') {
  process.stderr.write(`${bundlePath} does not export a handler function\n`);
  process.exit(1);
}
const report = { readyMs, atImport: probe.snapshot() };

if (eventJson !== undefined) {
  await module.handler(JSON.parse(eventJson));
  report.afterInvoke = probe.snapshot();
}

// Exits at once: an SDK keep-alive socket would otherwise hold the process open.
process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(0));
