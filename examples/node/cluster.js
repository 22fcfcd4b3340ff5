// The notes' cluster.js: the primary forks N workers (argv[4], default one per core) that run server.js.
const cluster = require('cluster');
const os = require('os');

if (cluster.isPrimary) {
  console.log(`Primary PID: ${process.pid}`);
  const workers = Number(process.argv[4] || os.cpus().length);
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.kill(); process.exit(0); });
} else {
  require('./server');
}
