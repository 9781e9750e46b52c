/**
 * One file of an output folder written and flushed to the disk (write.ts stages them): a string, string
 * chunks, or a writer of the file (an NWB file, written by its own library). Written at once (the
 * synchronous writes), or with the event loop turning between chunks and during the writer and the
 * flush (the asynchronous writes of large runs, so that a signal is answered meanwhile); both write
 * the same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes one file at the path it is given (an NWB file, written by its own library); a promise only in the asynchronous writes. */
export type FileWriter = (file: string) => void | Promise<void>;

/** A file's content: a string, string chunks (streamed, for large CSVs), or a writer of the file. */
export type Content = string | (() => Iterable<string>) | { write: FileWriter };

/** fsync a folder (its entries); file systems that cannot (EINVAL, EISDIR on some) are let be. */
export function syncFolder(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c !== 'EINVAL' && c !== 'EISDIR') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The folders of `name` (e.g. conditions/ of conditions/ID.nwb) below `root`, one level at a time, never
 * `root` itself: when a signal's handler has removed the staging folder while an asynchronous write was
 * under way, the write fails (ENOENT) instead of creating the folder again (a recursive mkdir did, and
 * left an empty staging folder behind).
 */
function subfolders(root: string, name: string): string[] {
  const parts = path
    .dirname(name)
    .split(/[\\/]/)
    .filter((x) => x && x !== '.');
  return parts.map((_, i) => path.join(root, ...parts.slice(0, i + 1)));
}

const existed = (e: unknown) => (e as NodeJS.ErrnoException).code === 'EEXIST';

/** Write one file `name` of the folder `root` (new: an existing one is an error) and flush it to the disk. */
export function writeContent(root: string, name: string, content: Content): void {
  for (const d of subfolders(root, name))
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if (!existed(e)) throw e;
    }
  const file = path.join(root, name);
  if (typeof content === 'object' && content.write(file) instanceof Promise) {
    throw new Error(`${path.basename(file)}: an asynchronous writer needs the asynchronous write`);
  }
  const fd = fs.openSync(file, typeof content === 'object' ? 'r+' : 'wx');
  try {
    if (typeof content === 'string') fs.writeFileSync(fd, content);
    else if (typeof content === 'function') for (const chunk of content()) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** writeContent with a turn of the event loop after each chunk, and the writer and the flush awaited. */
export async function writeContentAsync(root: string, name: string, content: Content): Promise<void> {
  for (const d of subfolders(root, name))
    await fs.promises.mkdir(d).catch((e: unknown) => {
      if (!existed(e)) throw e;
    });
  const file = path.join(root, name);
  if (typeof content === 'object') await content.write(file);
  const h = await fs.promises.open(file, typeof content === 'object' ? 'r+' : 'wx');
  try {
    const chunks = typeof content === 'string' ? [content] : typeof content === 'function' ? content() : [];
    for (const chunk of chunks) {
      const bytes = Buffer.from(chunk, 'utf8');
      for (let at = 0; at < bytes.length; ) at += (await h.write(bytes, at)).bytesWritten;
    }
    await h.sync();
  } finally {
    await h.close();
  }
}
