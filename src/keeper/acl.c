/*
 * acl.c — ZooKeeper's authentication schemes and ACL checks for the keeper:
 *   world   id "anyone" only
 *   auth    stands for "every authenticated id of this connection"; it is
 *           replaced by those ids when an ACL is stored (fixupACL)
 *   digest  id "user:base64(sha1(user:password))"; `addauth digest user:pw`
 *           authenticates as it; the configured super digest grants "super"
 *   ip      id "a.b.c.d" or "a.b.c.d/bits" (IPv4), or an IPv6 address;
 *           every connection is authenticated as ip:<its address>
 * checkACL: allowed if the ACL is empty, the connection is super, or some
 * entry with the wanted permission bit matches one of the connection's ids.
 */
#include "keeper/keeper_acl.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

void keeper_digest_id(const char *user_colon_password, char *out, size_t cap)
{
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)user_colon_password, strlen(user_colon_password), md);
    char b64[64];
    EVP_EncodeBlock((unsigned char *)b64, md, SHA_DIGEST_LENGTH);
    const char *colon = strchr(user_colon_password, ':');
    size_t ulen = colon ? (size_t)(colon - user_colon_password) : strlen(user_colon_password);
    snprintf(out, cap, "%.*s:%s", (int)ulen, user_colon_password, b64);
}

static bool keeper_ip_parse(const char *s, unsigned char *addr, int *family, int *bits)
{
    char buf[128];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = AF_INET;
        *bits = 32;
    } else if (inet_pton(AF_INET6, buf, addr) == 1) {
        *family = AF_INET6;
        *bits = 128;
    } else {
        return false;
    }
    if (slash) {
        int64_t b;
        if (!aphx_parse_i64(slash + 1, &b) || b < 0 || b > *bits) return false;
        *bits = (int)b;
    }
    return true;
}

bool keeper_acl_id_valid(const char *scheme, const char *id)
{
    if (strcmp(scheme, "digest") == 0) {
        const char *colon = strchr(id, ':');
        return colon && colon != id && colon[1] && !strchr(colon + 1, ':');
    }
    if (strcmp(scheme, "ip") == 0) {
        unsigned char a[16];
        int fam, bits;
        return keeper_ip_parse(id, a, &fam, &bits);
    }
    if (strcmp(scheme, "world") == 0) return strcmp(id, "anyone") == 0;
    if (strcmp(scheme, "super") == 0) return true;
    return false;
}

static bool keeper_ip_matches(const char *client_ip, const char *acl_id)
{
    unsigned char a[16] = {0}, c[16] = {0};
    int fa, fc, ba, bc;
    if (!keeper_ip_parse(acl_id, a, &fa, &ba) || !keeper_ip_parse(client_ip, c, &fc, &bc))
        return false;
    if (fa != fc) return false;
    int full = ba / 8, rest = ba % 8;
    if (memcmp(a, c, (size_t)full) != 0) return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xFF << (8 - rest));
        if ((a[full] & mask) != (c[full] & mask)) return false;
    }
    return true;
}

bool keeper_auth_is_super(const zk_id *ids, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(ids[i].scheme, "super") == 0) return true;
    return false;
}

bool keeper_acl_check(const zk_acl_list *acl, int32_t perm, const zk_id *ids, int n)
{
    if (acl->n == 0) return true;
    if (keeper_auth_is_super(ids, n)) return true;
    for (int32_t i = 0; i < acl->n; i++) {
        const zk_acl *a = &acl->v[i];
        if (!(a->perms & perm)) continue;
        if (strcmp(a->id.scheme, "world") == 0 && strcmp(a->id.id, "anyone") == 0) return true;
        for (int j = 0; j < n; j++) {
            if (strcmp(ids[j].scheme, a->id.scheme) != 0) continue;
            if (strcmp(a->id.scheme, "ip") == 0) {
                if (keeper_ip_matches(ids[j].id, a->id.id)) return true;
            } else if (strcmp(ids[j].id, a->id.id) == 0) {
                return true;
            }
        }
    }
    return false;
}

int32_t keeper_acl_fixup(const zk_acl_list *in, const zk_id *ids, int n, aphx_arena *arena,
                         zk_acl_list *out)
{
    out->v = NULL;
    out->n = 0;
    if (in->n == 0) return ZK_INVALIDACL;
    size_t cap = (size_t)in->n * (size_t)(n + 1);
    zk_acl *v = aphx_arena_alloc(arena, sizeof *v * cap);
    if (!v) return ZK_SYSTEMERROR;
    int32_t k = 0;
    for (int32_t i = 0; i < in->n; i++) {
        const zk_acl *a = &in->v[i];
        if (a->perms & ~ZK_PERM_ALL && false) return ZK_INVALIDACL;
        if (strcmp(a->id.scheme, "world") == 0 && strcmp(a->id.id, "anyone") == 0) {
            v[k++] = *a;
        } else if (strcmp(a->id.scheme, "auth") == 0) {
            bool any = false;
            for (int j = 0; j < n; j++) {
                /* ip ids are not "authenticated" in ZooKeeper's sense; super is not stored */
                if (strcmp(ids[j].scheme, "digest") != 0) continue;
                v[k].perms = a->perms;
                v[k].id = ids[j];
                k++;
                any = true;
            }
            if (!any) return ZK_INVALIDACL;
        } else {
            if (strcmp(a->id.scheme, "world") == 0 || strcmp(a->id.scheme, "super") == 0 ||
                !keeper_acl_id_valid(a->id.scheme, a->id.id))
                return ZK_INVALIDACL;
            v[k++] = *a;
        }
    }
    /* drop exact duplicates, as ZooKeeper's removeDuplicates does */
    int32_t m = 0;
    for (int32_t i = 0; i < k; i++) {
        bool dup = false;
        for (int32_t j = 0; j < m && !dup; j++)
            dup = v[j].perms == v[i].perms && strcmp(v[j].id.scheme, v[i].id.scheme) == 0 &&
                  strcmp(v[j].id.id, v[i].id.id) == 0;
        if (!dup) v[m++] = v[i];
    }
    out->v = v;
    out->n = m;
    return ZK_OK;
}
