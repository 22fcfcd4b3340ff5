// The notes' cluster.js with their two additions, as printed: "Increasing Server Availability" (a crashed worker
// is replaced) and "Zero-downtime Restarts" (SIGUSR2 restarts the workers one at a time). Workers run server.js.
// Arguments as cluster.js: port, work, workers.
const cluster = require('cluster');
const os = require('os');

if (cluster.isPrimary) {
  console.log(`Master PID: ${process.pid}`);
  const count = Number(process.argv[4] || os.cpus().length);
  for (let i = 0; i < count; i++) cluster.fork();

  cluster.on('exit', (worker, code, signal) => {
    if (code !== 0 && !worker.exitedAfterDisconnect) {
      console.log(`Worker ${worker.id} crashed. ` + 'Starting a new worker...');
      cluster.fork();
    }
  });

  process.on('SIGUSR2', () => {
    const workers = Object.values(cluster.workers);

    const restartWorker = (workerIndex) => {
      const worker = workers[workerIndex];
      if (!worker) return;

      worker.on('exit', () => {
        if (!worker.exitedAfterDisconnect) return;
        console.log(`Exited process ${worker.process.pid}`);

        cluster.fork().on('listening', () => {
          restartWorker(workerIndex + 1);
        });
      });

      worker.disconnect();
    };

    restartWorker(0);
  });

  process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.kill(); process.exit(0); });
} else {
  require('./server');
}
