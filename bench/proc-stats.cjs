/**
 * Preloaded into every process a benchmark starts (`node --require bench/proc-stats.cjs …`): the
 * process's own event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution), event-loop
 * utilisation and CPU time, served over a unix socket `/tmp/samtal-bench-stats-<pid>.sock` so the
 * bench reads any child by its pid without touching the child's code or ports:
 *
 *   GET /          → { eld: {p50,p99,max,mean} ms, elu, cpuS, rssMiB, heapMiB, seconds }
 *   GET /?reset=1  → the same, then starts a new window
 *
 * The figures cover the window since the last reset. Loaded only by the bench, never by the service.
 */
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
const { isMainThread } = require('node:worker_threads');

// `--require` also runs in worker threads (tsx's module-loader thread is one): measure the main loop only.
if (isMainThread) start();

function start() {

const socketPath = `/tmp/samtal-bench-stats-${process.pid}.sock`;
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
let elu0 = performance.eventLoopUtilization();
let cpu0 = process.cpuUsage();
let t0 = performance.now();

const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;
const snapshot = () => {
  const cpu = process.cpuUsage(cpu0);
  const mem = process.memoryUsage();
  return {
    pid: process.pid,
    seconds: Math.round(performance.now() - t0) / 1000,
    eld: histogram.count > 0
      ? { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean) }
      : null,
    elu: Math.round(performance.eventLoopUtilization(elu0).utilization * 1000) / 1000,
    cpuS: Math.round((cpu.user + cpu.system) / 1e4) / 100,
    rssMiB: Math.round((mem.rss / 1048576) * 10) / 10,
    heapMiB: Math.round((mem.heapUsed / 1048576) * 10) / 10,
    heapTotalMiB: Math.round((mem.heapTotal / 1048576) * 10) / 10,
    externalMiB: Math.round((mem.external / 1048576) * 10) / 10,
    arrayBuffersMiB: Math.round((mem.arrayBuffers / 1048576) * 10) / 10,
  };
};

try {
  fs.rmSync(socketPath, { force: true });
} catch {}
const server = http.createServer((req, res) => {
  const body = JSON.stringify(snapshot());
  if (req.url?.includes('reset=1')) {
    histogram.reset();
    elu0 = performance.eventLoopUtilization();
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  }
  res.setHeader('content-type', 'application/json');
  res.end(body);
});
server.on('error', () => {});
server.listen(socketPath);
server.unref();
process.on('exit', () => {
  try {
    fs.rmSync(socketPath, { force: true });
  } catch {}
});
}
