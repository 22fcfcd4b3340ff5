// The notes' spawn_detached.js: runs timer.js in the background, detached and with its stdio ignored, so this
// parent can exit while the timer keeps running. Changed only so that timer.js is found next to this file, the
// parent says which process the timer is (the notebook looks at it after the parent is gone) and the wait is passed on.
const { spawn } = require('child_process');
const path = require('path');

const child = spawn('node', [path.join(__dirname, 'timer.js'), ...process.argv.slice(2)], {
  detached: true,
  stdio: 'ignore'
});

child.unref();
console.log(`parent ${process.pid} started the timer ${child.pid} and exits now`);
