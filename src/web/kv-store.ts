/**
 * A tiny key-value store in IndexedDB (database `gossiplearn`, one object store): the browser
 * node's identity key and checkpoint survive a reload. Values are bytes; keys are namespaced by
 * the caller (one namespace per peer "slot", so two tabs can be two peers).
 */
const DB = 'gossiplearn';
const STORE = 'kv';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export class KvStore {
  private readonly db: IDBDatabase;
  private readonly prefix: string;

  private constructor(db: IDBDatabase, prefix: string) {
    this.db = db;
    this.prefix = prefix;
  }

  static async open(namespace: string): Promise<KvStore> {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    return new KvStore(await request(open), `${namespace}/`);
  }

  async get(key: string): Promise<Uint8Array | null> {
    const v: unknown = await request(
      this.db
        .transaction(STORE, 'readonly')
        .objectStore(STORE)
        .get(this.prefix + key),
    );
    return v instanceof Uint8Array ? v : null;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(value, this.prefix + key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
    });
  }

  async delete(key: string): Promise<void> {
    await request(
      this.db
        .transaction(STORE, 'readwrite')
        .objectStore(STORE)
        .delete(this.prefix + key),
    );
  }

  close(): void {
    this.db.close();
  }
}
