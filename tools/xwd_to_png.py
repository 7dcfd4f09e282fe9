"""Converts an X window dump (xwd -root, 24/32-bit TrueColor) to PNG with the standard library only, so
tools/package_check.sh can keep a viewable screenshot without ImageMagick.  Usage: xwd_to_png.py IN.xwd OUT.png"""
import struct
import sys
import zlib


def convert(src: str, dst: str) -> None:
    data = open(src, "rb").read()
    f = struct.unpack(">25I", data[:100])
    header_size, width, height = f[0], f[4], f[5]
    byte_order, bpp, bytes_per_line = f[7], f[11], f[12]
    masks, ncolors = f[14:17], f[19]
    if bpp != 32:
        raise SystemExit(f"xwd_to_png: {bpp} bits per pixel is not supported (32 only)")
    start = header_size + 12 * ncolors
    shifts = [(m & -m).bit_length() - 1 for m in masks]
    fmt = ("<" if byte_order == 0 else ">") + f"{width}I"
    rows = []
    for y in range(height):
        line = struct.unpack_from(fmt, data, start + y * bytes_per_line)
        row = bytearray(b"\0")
        for p in line:
            row += bytes(((p & m) >> s) & 0xFF for m, s in zip(masks, shifts))
        rows.append(bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b"")
    open(dst, "wb").write(png)


if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2])
