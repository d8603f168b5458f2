"""Customer.partner (denormalised, kept right by a composite foreign key) and search indexes.

* ``accounts_customer.partner_id`` repeats the enterprise's partner; the backfill copies it.
  ``FOREIGN KEY (enterprise_id, partner_id) REFERENCES accounts_enterprise (id, partner_id)
  ON UPDATE CASCADE`` makes the database refuse a customer whose partner differs from its
  enterprise's, and carries a change of an enterprise's partner over to its customers.
  Django cannot declare a composite foreign key, hence RunSQL; it targets the UNIQUE
  (id, partner_id) constraint that Django does know.
* The search indexes (see ``orion.accounts.models.name_search_indexes``): lower(name)
  text_pattern_ops B-trees with and without partner_id for exact and prefix matches, and the
  trigram GIN indexes rebuilt over (partner_id, name) with ``btree_gin``.
"""

import django.contrib.postgres.indexes
import django.db.models.deletion
import django.db.models.functions.text
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models

BACKFILL = """
UPDATE accounts_customer c SET partner_id = e.partner_id
  FROM accounts_enterprise e WHERE e.id = c.enterprise_id;
-- Run the deferred foreign key checks of the update now: PostgreSQL refuses to ALTER a table
-- with pending trigger events, and the next operation sets NOT NULL.
SET CONSTRAINTS ALL IMMEDIATE;
"""

COMPOSITE_FK = """
ALTER TABLE accounts_customer
  ADD CONSTRAINT customer_partner_is_enterprise_partner
  FOREIGN KEY (enterprise_id, partner_id) REFERENCES accounts_enterprise (id, partner_id)
  ON UPDATE CASCADE ON DELETE NO ACTION;
"""
DROP_COMPOSITE_FK = """
ALTER TABLE accounts_customer DROP CONSTRAINT customer_partner_is_enterprise_partner;
"""


def _search_indexes(table):
    return [
        models.Index(
            django.contrib.postgres.indexes.OpClass(
                django.db.models.functions.text.Lower("name"), name="text_pattern_ops"),
            include=("id", "name"), name=f"{table}_name_prefix"),
        models.Index(
            models.F("partner"),
            django.contrib.postgres.indexes.OpClass(
                django.db.models.functions.text.Lower("name"), name="text_pattern_ops"),
            include=("id", "name"), name=f"{table}_partner_name_prefix"),
        django.contrib.postgres.indexes.GinIndex(
            models.F("partner"),
            django.contrib.postgres.indexes.OpClass("name", name="gin_trgm_ops"),
            fastupdate=False, name=f"{table}_name_trgm"),
    ]


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.AddField(
            model_name="customer",
            name="partner",
            field=models.ForeignKey(
                db_index=False, editable=False, null=True,
                help_text="The enterprise's partner (denormalised; see the class docstring).",
                on_delete=django.db.models.deletion.PROTECT, related_name="customers",
                to="accounts.partner"),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="customer",
            name="partner",
            field=models.ForeignKey(
                db_index=False, editable=False,
                help_text="The enterprise's partner (denormalised; see the class docstring).",
                on_delete=django.db.models.deletion.PROTECT, related_name="customers",
                to="accounts.partner"),
        ),
        migrations.AddConstraint(
            model_name="enterprise",
            constraint=models.UniqueConstraint(fields=("id", "partner"),
                                               name="enterprise_id_partner_unique"),
        ),
        migrations.RunSQL(COMPOSITE_FK, reverse_sql=DROP_COMPOSITE_FK),
        migrations.RemoveIndex(model_name="enterprise", name="enterprise_name_trgm"),
        migrations.RemoveIndex(model_name="customer", name="customer_name_trgm"),
        *[migrations.AddIndex(model_name="enterprise", index=index)
          for index in _search_indexes("enterprise")],
        *[migrations.AddIndex(model_name="customer", index=index)
          for index in _search_indexes("customer")],
    ]
