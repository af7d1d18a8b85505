/**
 * Blob URLs of received files. A blob URL keeps its file in memory until it is revoked, so only the last
 * `keep` files stay downloadable: the oldest URL is revoked (and its entry told) when one more arrives.
 */
export const KEEP_FILE_URLS = 10;

export class FileUrls {
  private readonly urls: { url: string; expire: () => void }[] = [];

  constructor(private readonly keep = KEEP_FILE_URLS) {}

  /** A URL for `blob`; `expire` runs when it is revoked to make room. */
  add(blob: Blob, expire: () => void): string {
    const url = URL.createObjectURL(blob);
    this.urls.push({ url, expire });
    while (this.urls.length > this.keep) {
      const oldest = this.urls.shift()!;
      URL.revokeObjectURL(oldest.url);
      oldest.expire();
    }
    return url;
  }

  /** Revokes every URL (the page is going away). */
  clear(): void {
    for (const { url } of this.urls.splice(0)) URL.revokeObjectURL(url);
  }
}
