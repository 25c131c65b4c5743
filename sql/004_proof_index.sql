-- idprover on PostgreSQL, schema version 4: an index for the latest SMS
-- proof of an account for an identifier (authorization reuse, at every
-- newOrder). Without it the lookup reads the whole orders table, and
-- under SERIALIZABLE such a read conflicts with every concurrent insert
-- of an order, so concurrent newOrders would keep running again.

CREATE INDEX orders_account_identifier ON orders
	(account, identifier, validated DESC);
