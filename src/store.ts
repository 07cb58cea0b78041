import { LocalDiskStore } from './activities/store/message-store';
import type { MessageStore } from './activities/store/message-store';
import { SealedStore } from './activities/store/sealed-store';
import { codecsFromEnv } from './codec/keys';
import { configFromEnv } from './config';

/** The message store of this process: DURABLE_AGENT_STORE_DIR, sealed with the payload codecs when a key is set. */
export function defaultMessageStore(
  storeDir: string = configFromEnv().storeDir,
  codecs = codecsFromEnv(),
): MessageStore {
  const disk = new LocalDiskStore(storeDir);
  return codecs.length > 0 ? new SealedStore(disk, codecs) : disk;
}
