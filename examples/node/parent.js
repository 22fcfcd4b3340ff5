// The notes' parent.js: forks child.js, prints its messages and says hello. Changed so that it says which child it
// forked, and so that `--disconnect-after S` disconnects after S seconds and reports how the child ended.
const { fork } = require('child_process');
const path = require('path');

const forked = fork(path.join(__dirname, 'child.js'));
console.log(`parent ${process.pid} forked child ${forked.pid}`);

forked.on('message', (msg) => {
  console.log('Message from child', msg);
});

forked.send({ hello: 'world' });

if (process.argv[2] === '--disconnect-after') {
  setTimeout(() => {
    const disconnectedAt = Date.now();
    forked.disconnect();
    console.log('the parent disconnected');
    forked.on('exit', (code, signal) =>
      console.log(`child ${forked.pid} exited with code ${code}, signal ${signal}, ${Date.now() - disconnectedAt} ms after the disconnect`));
  }, Number(process.argv[3]) * 1000);
}
