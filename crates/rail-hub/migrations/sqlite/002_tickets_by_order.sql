-- Every change to an order reads its tickets; without this index that read scanned
-- all of the location's tickets, so each order cost more than the one before it.
CREATE INDEX tickets_by_order ON tickets (location_id, order_id);
