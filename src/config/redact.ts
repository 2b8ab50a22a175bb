// URL userinfo (user:password@) never leaves the process in an error or a log line.

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/** `text` with the userinfo of every URL in it replaced by `***`. */
export function redactUrls(text: string): string {
  return text.replace(USERINFO, "$1***@");
}
