/*
 * libgit2, loaded when a command first needs it.
 *
 * Linking libgit2 costs every process about 9 ms before main() on Debian
 * (it pulls in mbedTLS, libssh2, Kerberos and OpenSSL: 18 more shared
 * libraries), and `dlg list` or `dlg show` served from the index and the
 * view never call it.  So dlg is not linked against libgit2: the functions
 * it uses are looked up with dlopen() on first use, and each git_* name
 * below refers to a pointer in `gitlib`.  A name missing here is a link
 * error, so the list cannot fall behind the code.
 *
 * The invariant: no git_* call before gitlib_load() has returned 0.  Every
 * path to libgit2 starts with gitlib_load() or store_git(), which load it
 * or return the reason they cannot, so nothing loads it behind a caller's
 * back, and no failure to load ends the process from inside the library.
 * A call that breaks the invariant is a programming error: the function
 * table is still empty, and gitlib_get() asserts (with NDEBUG the call
 * jumps through a NULL pointer).  Freeing NULL is the one exception.
 */
#ifndef DLG_GITLIB_H
#define DLG_GITLIB_H

#include <assert.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#define GITLIB_FUNCTIONS(X) \
	X(git_blob_create_from_buffer) \
	X(git_blob_free) \
	X(git_blob_lookup) \
	X(git_blob_rawcontent) \
	X(git_blob_rawsize) \
	X(git_buf_dispose) \
	X(git_clone) \
	X(git_clone_options_init) \
	X(git_commit_create) \
	X(git_commit_free) \
	X(git_commit_author) \
	X(git_commit_lookup) \
	X(git_commit_message) \
	X(git_commit_parent_id) \
	X(git_commit_parentcount) \
	X(git_commit_tree) \
	X(git_commit_tree_id) \
	X(git_config_free) \
	X(git_credential_ssh_key_from_agent) \
	X(git_credential_ssh_key_new) \
	X(git_credential_userpass_plaintext_new) \
	X(git_credential_username_new) \
	X(git_config_get_string_buf) \
	X(git_config_open_default) \
	X(git_config_set_bool) \
	X(git_config_set_string) \
	X(git_error_last) \
	X(git_fetch_options_init) \
	X(git_graph_descendant_of) \
	X(git_libgit2_init) \
	X(git_libgit2_opts) \
	X(git_libgit2_shutdown) \
	X(git_mempack_new) \
	X(git_mempack_reset) \
	X(git_merge_base) \
	X(git_object_free) \
	X(git_object_id) \
	X(git_object_peel) \
	X(git_odb_add_backend) \
	X(git_odb_add_disk_alternate) \
	X(git_odb_backend_data_alloc) \
	X(git_odb_exists_ext) \
	X(git_odb_free) \
	X(git_odb_hash) \
	X(git_odb_hashfile) \
	X(git_odb_init_backend) \
	X(git_odb_new) \
	X(git_odb_object_data) \
	X(git_odb_object_free) \
	X(git_odb_object_size) \
	X(git_odb_object_type) \
	X(git_odb_read) \
	X(git_odb_read_header) \
	X(git_odb_refresh) \
	X(git_odb_write_pack) \
	X(git_packbuilder_free) \
	X(git_packbuilder_insert) \
	X(git_packbuilder_insert_recur) \
	X(git_packbuilder_insert_walk) \
	X(git_packbuilder_name) \
	X(git_packbuilder_object_count) \
	X(git_packbuilder_new) \
	X(git_packbuilder_set_threads) \
	X(git_packbuilder_write) \
	X(git_packbuilder_write_buf) \
	X(git_push_options_init) \
	X(git_reference_create) \
	X(git_reference_create_matching) \
	X(git_reference_free) \
	X(git_reference_remove) \
	X(git_reference_foreach_name) \
	X(git_reference_name_to_id) \
	X(git_remote_create_anonymous) \
	X(git_remote_fetch) \
	X(git_remote_init_callbacks) \
	X(git_remote_free) \
	X(git_remote_lookup) \
	X(git_remote_push) \
	X(git_remote_pushurl) \
	X(git_remote_url) \
	X(git_repository_config) \
	X(git_repository_free) \
	X(git_repository_init_ext) \
	X(git_repository_init_options_init) \
	X(git_repository_odb) \
	X(git_repository_open_ext) \
	X(git_revparse_single) \
	X(git_odb_backend_data_free) \
	X(git_repository_wrap_odb) \
	X(git_revwalk_free) \
	X(git_revwalk_hide) \
	X(git_revwalk_new) \
	X(git_revwalk_next) \
	X(git_revwalk_push) \
	X(git_revwalk_sorting) \
	X(git_signature_free) \
	X(git_signature_new) \
	X(git_tree_create_updated) \
	X(git_tree_entry_byindex) \
	X(git_tree_entry_byname) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_filemode) \
	X(git_tree_entry_filemode_raw) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entry_type) \
	X(git_tree_entrycount) \
	X(git_tree_free) \
	X(git_tree_id) \
	X(git_tree_lookup) \
	X(git_treebuilder_entrycount) \
	X(git_treebuilder_free) \
	X(git_treebuilder_get) \
	X(git_treebuilder_insert) \
	X(git_treebuilder_new) \
	X(git_treebuilder_remove) \
	X(git_treebuilder_write) \

struct gitlib {
#define GITLIB_MEMBER(name) __typeof__(name) *name;
	GITLIB_FUNCTIONS(GITLIB_MEMBER)
#undef GITLIB_MEMBER
};
extern struct gitlib gitlib;
extern int gitlib_ready;

/* Loads and starts libgit2 once; DLG_ERROR with the loader's reason when it
   cannot, a version other than the headers' included.  $DLG_LIBGIT2, when
   set, names the file to load instead of the SONAME dlg was built with (for
   tests and packagers).  Commands call it (through store_git) before any
   git_* call. */
int gitlib_load(void);
/* Before gitlib_load(): libgit2 will talk HTTPS (a clone from a URL), so
   it gets the system's CA certificates, which the stand-ins, where they
   are built, otherwise spare it. */
void gitlib_want_tls(void);
#ifdef DLG_MBEDTLS_CA_STANDIN
/* The stand-ins for mbedTLS's loaders that spare it them (see gitlib.c). */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_path(void *chain, const char *path);
#endif

static inline struct gitlib *gitlib_get(void)
{
	assert(gitlib_ready && "a git_* call before gitlib_load()");
	return &gitlib;
}

/* Freeing nothing needs no libgit2: the cleanup after a failed load frees
   only NULLs, as libgit2's own free functions allow. */
#define GITLIB_FREES(X) \
	X(blob) X(commit) X(config) X(object) X(odb) X(odb_object) X(packbuilder) \
	X(reference) X(remote) X(repository) X(revwalk) X(signature) X(tree) X(tree_entry) X(treebuilder)
#define GITLIB_FREE_NULL_SAFE(type)                          \
	static inline void gitlib_##type##_free(git_##type *p) \
	{                                                      \
		if (p)                                         \
			gitlib_get()->git_##type##_free(p);    \
	}
GITLIB_FREES(GITLIB_FREE_NULL_SAFE)
#undef GITLIB_FREE_NULL_SAFE

/* Object ids are 20 bytes; the paths that read the store without libgit2
   (the branch tip, the view and index stamps) compare and print them too. */
int gitlib_oid_fromstr(git_oid *out, const char *hex);
char *gitlib_oid_tostr(char *out, size_t n, const git_oid *id);
int gitlib_oid_cmp(const git_oid *a, const git_oid *b);
void gitlib_oid_cpy(git_oid *out, const git_oid *src);

#ifndef GITLIB_IMPL
#define git_commit_parentcount (gitlib_get()->git_commit_parentcount)
#define git_credential_ssh_key_from_agent (gitlib_get()->git_credential_ssh_key_from_agent)
#define git_credential_ssh_key_new (gitlib_get()->git_credential_ssh_key_new)
#define git_credential_userpass_plaintext_new (gitlib_get()->git_credential_userpass_plaintext_new)
#define git_credential_username_new (gitlib_get()->git_credential_username_new)
#define git_fetch_options_init (gitlib_get()->git_fetch_options_init)
#define git_push_options_init (gitlib_get()->git_push_options_init)
#define git_remote_init_callbacks (gitlib_get()->git_remote_init_callbacks)
#define git_reference_create (gitlib_get()->git_reference_create)
#define git_reference_create_matching (gitlib_get()->git_reference_create_matching)
#define git_reference_free gitlib_reference_free
#define git_reference_remove (gitlib_get()->git_reference_remove)
#define git_remote_create_anonymous (gitlib_get()->git_remote_create_anonymous)
#define git_remote_fetch (gitlib_get()->git_remote_fetch)
#define git_remote_free gitlib_remote_free
#define git_remote_lookup (gitlib_get()->git_remote_lookup)
#define git_remote_push (gitlib_get()->git_remote_push)
#define git_remote_pushurl (gitlib_get()->git_remote_pushurl)
#define git_remote_url (gitlib_get()->git_remote_url)
#define git_oid_fromstr gitlib_oid_fromstr
#define git_oid_tostr gitlib_oid_tostr
#define git_oid_cmp gitlib_oid_cmp
#define git_oid_equal(a, b) (gitlib_oid_cmp((a), (b)) == 0)
#define git_oid_cpy gitlib_oid_cpy
#define git_blob_create_from_buffer (gitlib_get()->git_blob_create_from_buffer)
#define git_blob_free gitlib_blob_free
#define git_blob_lookup (gitlib_get()->git_blob_lookup)
#define git_blob_rawcontent (gitlib_get()->git_blob_rawcontent)
#define git_blob_rawsize (gitlib_get()->git_blob_rawsize)
#define git_buf_dispose (gitlib_get()->git_buf_dispose)
#define git_clone (gitlib_get()->git_clone)
#define git_clone_options_init (gitlib_get()->git_clone_options_init)
#define git_commit_create (gitlib_get()->git_commit_create)
#define git_commit_free gitlib_commit_free
#define git_commit_author (gitlib_get()->git_commit_author)
#define git_commit_lookup (gitlib_get()->git_commit_lookup)
#define git_commit_message (gitlib_get()->git_commit_message)
#define git_commit_parent_id (gitlib_get()->git_commit_parent_id)
#define git_commit_tree (gitlib_get()->git_commit_tree)
#define git_commit_tree_id (gitlib_get()->git_commit_tree_id)
#define git_config_free gitlib_config_free
#define git_config_get_string_buf (gitlib_get()->git_config_get_string_buf)
#define git_config_open_default (gitlib_get()->git_config_open_default)
#define git_config_set_bool (gitlib_get()->git_config_set_bool)
#define git_config_set_string (gitlib_get()->git_config_set_string)
#define git_error_last (gitlib_get()->git_error_last)
#define git_graph_descendant_of (gitlib_get()->git_graph_descendant_of)
#define git_libgit2_init (gitlib_get()->git_libgit2_init)
#define git_libgit2_opts (gitlib_get()->git_libgit2_opts)
#define git_libgit2_shutdown (gitlib_get()->git_libgit2_shutdown)
#define git_mempack_new (gitlib_get()->git_mempack_new)
#define git_mempack_reset (gitlib_get()->git_mempack_reset)
#define git_merge_base (gitlib_get()->git_merge_base)
#define git_object_free gitlib_object_free
#define git_object_id (gitlib_get()->git_object_id)
#define git_object_peel (gitlib_get()->git_object_peel)
#define git_odb_add_backend (gitlib_get()->git_odb_add_backend)
#define git_odb_add_disk_alternate (gitlib_get()->git_odb_add_disk_alternate)
#define git_odb_backend_data_alloc (gitlib_get()->git_odb_backend_data_alloc)
#define git_odb_exists_ext (gitlib_get()->git_odb_exists_ext)
#define git_odb_free gitlib_odb_free
#define git_odb_hash (gitlib_get()->git_odb_hash)
#define git_odb_hashfile (gitlib_get()->git_odb_hashfile)
#define git_odb_init_backend (gitlib_get()->git_odb_init_backend)
#define git_odb_new (gitlib_get()->git_odb_new)
#define git_odb_object_data (gitlib_get()->git_odb_object_data)
#define git_odb_object_free gitlib_odb_object_free
#define git_odb_object_size (gitlib_get()->git_odb_object_size)
#define git_odb_object_type (gitlib_get()->git_odb_object_type)
#define git_odb_read (gitlib_get()->git_odb_read)
#define git_odb_read_header (gitlib_get()->git_odb_read_header)
#define git_odb_refresh (gitlib_get()->git_odb_refresh)
#define git_odb_write_pack (gitlib_get()->git_odb_write_pack)
#define git_packbuilder_free gitlib_packbuilder_free
#define git_packbuilder_insert (gitlib_get()->git_packbuilder_insert)
#define git_packbuilder_insert_recur (gitlib_get()->git_packbuilder_insert_recur)
#define git_packbuilder_insert_walk (gitlib_get()->git_packbuilder_insert_walk)
#define git_packbuilder_name (gitlib_get()->git_packbuilder_name)
#define git_packbuilder_object_count (gitlib_get()->git_packbuilder_object_count)
#define git_packbuilder_new (gitlib_get()->git_packbuilder_new)
#define git_packbuilder_set_threads (gitlib_get()->git_packbuilder_set_threads)
#define git_packbuilder_write (gitlib_get()->git_packbuilder_write)
#define git_packbuilder_write_buf (gitlib_get()->git_packbuilder_write_buf)
#define git_reference_foreach_name (gitlib_get()->git_reference_foreach_name)
#define git_reference_name_to_id (gitlib_get()->git_reference_name_to_id)
#define git_repository_config (gitlib_get()->git_repository_config)
#define git_repository_free gitlib_repository_free
#define git_repository_init_ext (gitlib_get()->git_repository_init_ext)
#define git_repository_init_options_init (gitlib_get()->git_repository_init_options_init)
#define git_repository_odb (gitlib_get()->git_repository_odb)
#define git_repository_open_ext (gitlib_get()->git_repository_open_ext)
#define git_revparse_single (gitlib_get()->git_revparse_single)
#define git_odb_backend_data_free (gitlib_get()->git_odb_backend_data_free)
#define git_repository_wrap_odb (gitlib_get()->git_repository_wrap_odb)
#define git_revwalk_free gitlib_revwalk_free
#define git_revwalk_hide (gitlib_get()->git_revwalk_hide)
#define git_revwalk_new (gitlib_get()->git_revwalk_new)
#define git_revwalk_next (gitlib_get()->git_revwalk_next)
#define git_revwalk_push (gitlib_get()->git_revwalk_push)
#define git_revwalk_sorting (gitlib_get()->git_revwalk_sorting)
#define git_signature_free gitlib_signature_free
#define git_signature_new (gitlib_get()->git_signature_new)
#define git_tree_create_updated (gitlib_get()->git_tree_create_updated)
#define git_tree_entry_byindex (gitlib_get()->git_tree_entry_byindex)
#define git_tree_entry_byname (gitlib_get()->git_tree_entry_byname)
#define git_tree_entry_bypath (gitlib_get()->git_tree_entry_bypath)
#define git_tree_entry_filemode (gitlib_get()->git_tree_entry_filemode)
#define git_tree_entry_filemode_raw (gitlib_get()->git_tree_entry_filemode_raw)
#define git_tree_entry_free gitlib_tree_entry_free
#define git_tree_entry_id (gitlib_get()->git_tree_entry_id)
#define git_tree_entry_name (gitlib_get()->git_tree_entry_name)
#define git_tree_entry_type (gitlib_get()->git_tree_entry_type)
#define git_tree_entrycount (gitlib_get()->git_tree_entrycount)
#define git_tree_free gitlib_tree_free
#define git_tree_id (gitlib_get()->git_tree_id)
#define git_tree_lookup (gitlib_get()->git_tree_lookup)
#define git_treebuilder_entrycount (gitlib_get()->git_treebuilder_entrycount)
#define git_treebuilder_free gitlib_treebuilder_free
#define git_treebuilder_get (gitlib_get()->git_treebuilder_get)
#define git_treebuilder_insert (gitlib_get()->git_treebuilder_insert)
#define git_treebuilder_new (gitlib_get()->git_treebuilder_new)
#define git_treebuilder_remove (gitlib_get()->git_treebuilder_remove)
#define git_treebuilder_write (gitlib_get()->git_treebuilder_write)
#endif

#endif
