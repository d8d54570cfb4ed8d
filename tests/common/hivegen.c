/* Minimal empty registry hive writer for the tests. hivex can edit a hive but cannot create one,
 * so this writes the smallest regf file hivex (and reglookup) accept: a 4 KiB base block with a
 * valid checksum, then one 4 KiB hive bin holding the root key node, the security cell every
 * key must point at (hivex copies the parent's into each new subkey), and one free cell for the
 * rest of the bin. Layout per the public regf descriptions (libregf's format notes, the kaitai
 * regf.ksy): all integers little-endian, cell offsets relative to the first hive bin. */
#include "compat.h"

#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define HG_BASE_BLOCK 0x1000u
#define HG_BIN_SIZE 0x1000u
#define HG_NONE 0xFFFFFFFFu

/* Cell offsets inside the bin (relative to the first bin, as the format stores them). */
#define HG_ROOT_CELL 0x20u /* right after the 32-byte bin header */
#define HG_ROOT_CELL_SIZE 0x58u
#define HG_SK_CELL (HG_ROOT_CELL + HG_ROOT_CELL_SIZE)
#define HG_SK_CELL_SIZE 0x68u
#define HG_FREE_CELL (HG_SK_CELL + HG_SK_CELL_SIZE)

/* 2026-01-01 00:00:00 UTC as a FILETIME: fixed, so generated hives are reproducible. */
#define HG_FILETIME 0x01DC7AB192810000ull

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Base block checksum: XOR of the first 127 dwords; 0 and ~0 are reserved values. */
static uint32_t base_checksum(const uint8_t *base)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < 0x1FC; i += 4)
        sum ^= get32(base + i);
    if (sum == 0xFFFFFFFFu)
        sum = 0xFFFFFFFEu;
    else if (sum == 0)
        sum = 1;
    return sum;
}

/* A self-relative security descriptor: owner Administrators, group SYSTEM, and a DACL giving
 * Everyone KEY_ALL_ACCESS, inherited by subkeys. Readers that decode descriptors accept it. */
static size_t write_security_descriptor(uint8_t *p)
{
    static const uint8_t everyone[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    static const uint8_t admins[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0};
    static const uint8_t system[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    const size_t dacl = 20, ace = dacl + 8, owner = ace + 8 + sizeof(everyone);
    const size_t group = owner + sizeof(admins), end = group + sizeof(system);

    p[0] = 1;                                 /* revision */
    put16(p + 2, 0x8004);                     /* SE_SELF_RELATIVE | SE_DACL_PRESENT */
    put32(p + 4, (uint32_t)owner);
    put32(p + 8, (uint32_t)group);
    put32(p + 12, 0);                         /* no SACL */
    put32(p + 16, (uint32_t)dacl);
    p[dacl] = 2;                              /* ACL revision */
    put16(p + dacl + 2, (uint16_t)(owner - dacl));
    put16(p + dacl + 4, 1);                   /* one ACE */
    p[ace] = 0;                               /* ACCESS_ALLOWED_ACE_TYPE */
    p[ace + 1] = 0x02;                        /* CONTAINER_INHERIT_ACE */
    put16(p + ace + 2, (uint16_t)(owner - ace));
    put32(p + ace + 4, 0x000F003F);           /* KEY_ALL_ACCESS */
    memcpy(p + ace + 8, everyone, sizeof(everyone));
    memcpy(p + owner, admins, sizeof(admins));
    memcpy(p + group, system, sizeof(system));
    return end;
}

int pmt_write_empty_hive(const char *path)
{
    uint8_t file[HG_BASE_BLOCK + HG_BIN_SIZE];
    memset(file, 0, sizeof(file));
    uint8_t *base = file, *bin = file + HG_BASE_BLOCK;

    /* Base block. Equal sequence numbers mean "cleanly written, no log to replay". */
    memcpy(base, "regf", 4);
    put32(base + 0x04, 1);
    put32(base + 0x08, 1);
    put64(base + 0x0C, HG_FILETIME);
    put32(base + 0x14, 1);            /* major version */
    put32(base + 0x18, 5);            /* minor version: 1.5, as Windows XP and later write */
    put32(base + 0x1C, 0);            /* primary file */
    put32(base + 0x20, 1);            /* direct memory load */
    put32(base + 0x24, HG_ROOT_CELL);
    put32(base + 0x28, HG_BIN_SIZE);  /* size of all hive bins */
    put32(base + 0x2C, 1);            /* clustering factor */
    static const char fname[] = "NTUSER.DAT";
    for (size_t i = 0; fname[i]; i++)
        put16(base + 0x30 + 2 * i, (uint16_t)fname[i]);
    put32(base + 0x1FC, base_checksum(base));

    /* Hive bin header. */
    memcpy(bin, "hbin", 4);
    put32(bin + 0x04, 0);             /* offset of this bin */
    put32(bin + 0x08, HG_BIN_SIZE);
    put64(bin + 0x14, HG_FILETIME);

    /* Root key node. Allocated cells carry a negative size. */
    uint8_t *nk = bin + HG_ROOT_CELL;
    put32(nk, (uint32_t)-(int32_t)HG_ROOT_CELL_SIZE);
    memcpy(nk + 0x04, "nk", 2);
    put16(nk + 0x06, 0x2C);           /* HIVE_ENTRY | NO_DELETE | COMP_NAME (ASCII name) */
    put64(nk + 0x08, HG_FILETIME);
    put32(nk + 0x14, HG_NONE);        /* the root has no parent */
    put32(nk + 0x18, 0);              /* subkeys */
    put32(nk + 0x1C, 0);              /* volatile subkeys */
    put32(nk + 0x20, HG_NONE);        /* subkey list */
    put32(nk + 0x24, HG_NONE);        /* volatile subkey list */
    put32(nk + 0x28, 0);              /* values */
    put32(nk + 0x2C, HG_NONE);        /* value list */
    put32(nk + 0x30, HG_SK_CELL);     /* security */
    put32(nk + 0x34, HG_NONE);        /* class name */
    static const char root_name[] = "ROOT";
    put16(nk + 0x4C, (uint16_t)(sizeof(root_name) - 1));
    memcpy(nk + 0x50, root_name, sizeof(root_name) - 1);

    /* Security cell: a one-element circular list (flink = blink = itself), used once. */
    uint8_t *sk = bin + HG_SK_CELL;
    put32(sk, (uint32_t)-(int32_t)HG_SK_CELL_SIZE);
    memcpy(sk + 0x04, "sk", 2);
    put32(sk + 0x08, HG_SK_CELL);
    put32(sk + 0x0C, HG_SK_CELL);
    put32(sk + 0x10, 1);
    size_t sdlen = write_security_descriptor(sk + 0x18);
    put32(sk + 0x14, (uint32_t)sdlen);
    if (0x18 + sdlen > HG_SK_CELL_SIZE)
        return -1; /* layout constants out of step with the descriptor */

    /* The rest of the bin is one free cell (positive size). */
    put32(bin + HG_FREE_CELL, HG_BIN_SIZE - HG_FREE_CELL);

    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(file, 1, sizeof(file), f);
    return (fclose(f) == 0 && w == sizeof(file)) ? 0 : -1;
}
