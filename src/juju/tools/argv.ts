/** An argv element cannot carry NUL: show it as the two characters `\0` instead. */
export const argvSafe = (text: string): string => text.replaceAll('\0', '\\0');
