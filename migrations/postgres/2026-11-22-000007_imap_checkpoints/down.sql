DROP TABLE mailbox_imap_state;
