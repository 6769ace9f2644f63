/* The few lexbor DOM structures the walk reads, as lexbor 2.x declares them (source/lexbor/dom/interfaces/).
 * selectolax links lexbor into its own module and exports its functions; nothing of lexbor is compiled
 * here. transforms/extract_native.py checks these layouts against selectolax's own reading of a probe
 * page before the walk is used, and falls back to the Python walk when they disagree. */
#ifndef EXTRACT_LEXBOR_H
#define EXTRACT_LEXBOR_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned char lxb_char_t;

typedef struct {
    lxb_char_t *data;
    size_t length;
} lexbor_str_t;

typedef struct lxb_dom_node lxb_dom_node_t;

struct lxb_dom_node {
    void *events;            /* lxb_dom_event_target_t */
    uintptr_t local_name;    /* the tag id of an element */
    uintptr_t prefix;
    uintptr_t ns;
    void *owner_document;
    lxb_dom_node_t *next;
    lxb_dom_node_t *prev;
    lxb_dom_node_t *parent;
    lxb_dom_node_t *first_child;
    lxb_dom_node_t *last_child;
    void *user;
    int type;                /* lxb_dom_node_type_t */
};

enum { LXB_ELEMENT = 0x01, LXB_TEXT = 0x03 };

typedef struct lxb_dom_attr lxb_dom_attr_t;

typedef struct {
    lxb_dom_node_t node;
    uintptr_t upper_name;
    uintptr_t qualified_name;
    lexbor_str_t *is_value;
    lxb_dom_attr_t *first_attr;
    lxb_dom_attr_t *last_attr;
    lxb_dom_attr_t *attr_id;
    lxb_dom_attr_t *attr_class;
} lxb_dom_element_t;

struct lxb_dom_attr {
    lxb_dom_node_t node;
    uintptr_t upper_name;
    uintptr_t qualified_name;
    lexbor_str_t *value;
    lxb_dom_element_t *owner;
    lxb_dom_attr_t *next;
    lxb_dom_attr_t *prev;
};

typedef struct {
    lxb_dom_node_t node;
    lexbor_str_t data;
} lxb_dom_character_data_t;

/* exported by selectolax's module, found with dlsym */
typedef const lxb_char_t *(*attr_name_fn)(lxb_dom_attr_t *attr, size_t *len);
typedef const lxb_char_t *(*element_name_fn)(lxb_dom_element_t *element, size_t *len);

#endif
