// One line of status redrawn in place on a terminal (a long build's elapsed time), so it does not push the
// rest of the output off the screen. Elsewhere (CI logs, files) it prints a line every 30 s at most.

const NOT_A_TERMINAL_EVERY_MS = 30_000;

/** A line that `show` redraws and `clear` removes; both are safe to call at any time. */
interface StatusLine {
  show(text: string): void;
  clear(): void;
}

/** A status line on `stream`. */
export function statusLine(stream: NodeJS.WriteStream): StatusLine {
  let shown = false;
  let lastPrinted = 0;
  return {
    show(text) {
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${text}`);
        shown = true;
      } else if (Date.now() - lastPrinted >= NOT_A_TERMINAL_EVERY_MS) {
        lastPrinted = Date.now();
        stream.write(`${text}\n`);
      }
    },
    clear() {
      if (!shown) return;
      stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
