// Not the notes' code: preloaded (node -r parent-guard.js ...) by the workbook so that a notes' program never
// outlives whoever started it. The parent holds our stdin open; when it goes — stopped or killed — stdin ends and
// this process exits. Cluster workers inherit the preload and the same stdin, so they follow. The stream is unref'd:
// it does not by itself keep a process alive, so a disconnected worker still exits as the notes expect.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.stdin.unref();
