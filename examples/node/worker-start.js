// How long Node's cluster takes to start a worker: cluster.fork() → the worker's 'listening' event, one worker at a
// time, each disconnected before the next. Workers run server.js (hello-world, port 0). Argument: how many workers.
// Prints the times in milliseconds as a JSON array.
const cluster = require('cluster');
const path = require('path');

const count = Number(process.argv[2] || 10);
cluster.setupPrimary({ exec: path.join(__dirname, 'server.js'), args: ['0', '0'], silent: true });
const times = [];

const next = () => {
  if (times.length === count) {
    console.log(JSON.stringify(times));
    return;
  }
  const start = process.hrtime.bigint();
  const worker = cluster.fork();
  worker.on('listening', () => {
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    worker.on('exit', next);
    worker.disconnect();
  });
};
next();
