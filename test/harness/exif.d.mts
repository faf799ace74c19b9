/** The JPEG with an APP1 Exif segment carrying `orientation`, right after SOI. */
export function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array;
