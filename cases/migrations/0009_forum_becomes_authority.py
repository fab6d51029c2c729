"""A court is now one kind of acting authority among several (ministries, prosecutors, police…)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_facets"),
    ]

    operations = [
        # Constraints that name the old field go first: SQLite rebuilds the table on a rename.
        migrations.RemoveConstraint(model_name="event", name="event_ruling_has_forum_and_decision"),
        migrations.RemoveConstraint(model_name="forum", name="forum_name_country_unique"),
        migrations.RenameModel(old_name="Forum", new_name="Authority"),
        migrations.RenameModel(old_name="HistoricalForum", new_name="HistoricalAuthority"),
        migrations.RenameField(model_name="event", old_name="forum", new_name="authority"),
        migrations.RenameField(model_name="historicalevent", old_name="forum", new_name="authority"),
    ]
