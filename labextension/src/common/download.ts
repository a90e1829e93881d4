/** Offering something the page made as a file download. */

/** Download `blob` as `fileName`. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Download `text` as `fileName`, of media type `type` (UTF-8). */
export function downloadText(
  text: string,
  fileName: string,
  type: string
): void {
  downloadBlob(new Blob([text], { type: `${type};charset=utf-8` }), fileName);
}
