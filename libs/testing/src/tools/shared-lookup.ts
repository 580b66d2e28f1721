/**
 * One lookup shared by every caller in the process while it is pending or
 * has succeeded; a failure is forgotten, so a later call (after the user
 * installed what was missing) tries again.
 */
export function sharedLookup<T>(lookup: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return async () => {
    pending ??= lookup().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
