/*
 * keeper_acl.h — ACL schemes and checks of the keeper (internal; see acl.c).
 */
#ifndef APHX_KEEPER_ACL_H
#define APHX_KEEPER_ACL_H

#include "keeper/jute.h"

/* "user:password" -> "user:base64(sha1(user:password))" into out. */
void keeper_digest_id(const char *user_colon_password, char *out, size_t cap);
/* Is `id` a valid id of `scheme` (digest, ip, world)? */
bool keeper_acl_id_valid(const char *scheme, const char *id);
bool keeper_auth_is_super(const zk_id *ids, int n);
/* May a connection authenticated as ids[0..n) do `perm` on a node with `acl`? */
bool keeper_acl_check(const zk_acl_list *acl, int32_t perm, const zk_id *ids, int n);
/* ZooKeeper's fixupACL: validate and expand "auth" entries. Returns ZK_OK
 * or ZK_INVALIDACL; out lives in arena (strings shared with in and ids). */
int32_t keeper_acl_fixup(const zk_acl_list *in, const zk_id *ids, int n, aphx_arena *arena,
                         zk_acl_list *out);

#endif /* APHX_KEEPER_ACL_H */
