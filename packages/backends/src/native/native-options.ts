/**
 * The backendOptions the native and cpu backends read (docs/native-backend.md, "Options"): the
 * build's (cc, flags, cacheDir, buildJobs: resolveBuildOptions) and the executor's (threads, replay).
 */
export const NATIVE_OPTION_NAMES = ['cc', 'flags', 'cacheDir', 'threads', 'buildJobs', 'replay'] as const;

export type NativeOptionName = (typeof NATIVE_OPTION_NAMES)[number];

/** backendOptions as the native backend reads them: only the names it declares. */
export type NativeOptions = Readonly<Partial<Record<NativeOptionName, unknown>>>;
