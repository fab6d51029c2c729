import django_countries.fields
from django.conf import settings
from django.db import migrations, models
from django.db.models import BooleanField, Count, ExpressionWrapper, Q

FACET_FIELDS = ("stage", "requesting_state", "requested_state", "outcome", "after_surrender")


def count_existing(apps, schema_editor):
    """The kept counts of the cases already there (a new install has none), with the rows that leave
    one state or both blank (any state), as cases.facets keeps them."""
    Case, CaseFacet = apps.get_model("cases", "Case"), apps.get_model("cases", "CaseFacet")
    rows = (
        Case.objects.filter(deleted_at__isnull=True).order_by()
        .annotate(is_open=ExpressionWrapper(Q(closed_on__isnull=True), output_field=BooleanField()))
        .values(*FACET_FIELDS, "is_open")
        .annotate(n=Count("*"))
    )
    counted = {}
    for row in rows:
        for requesting in (row["requesting_state"], ""):
            for requested in (row["requested_state"], ""):
                key = (row["stage"], requesting, requested, row["outcome"], row["after_surrender"], bool(row["is_open"]))
                counted[key] = counted.get(key, 0) + row["n"]
    CaseFacet.objects.bulk_create(
        [CaseFacet(**dict(zip((*FACET_FIELDS, "is_open"), key)), cases=n) for key, n in counted.items()],
        batch_size=5000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0017_case_checks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseFacet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage', models.CharField(choices=[('before_request', 'Before request'), ('request_made', 'Request made'), ('arrest', 'Arrest or provisional arrest'), ('hearing', 'Extradition hearing'), ('committed', 'Committed / found extraditable'), ('executive_order', 'Executive decision'), ('appeal', 'Appeal or review pending'), ('refused', 'Refused or discharged'), ('stayed', 'Stayed by separate proceedings'), ('surrender_pending', 'Surrender pending'), ('surrendered', 'Surrendered'), ('after_surrender', 'After surrender (custody, trial)'), ('inactive', 'Inactive'), ('closed', 'Closed')], max_length=20, verbose_name='stage')),
                ('requesting_state', django_countries.fields.CountryField(blank=True, help_text='Blank: any requesting state.', max_length=2, verbose_name='requesting state')),
                ('requested_state', django_countries.fields.CountryField(blank=True, help_text='Blank: any requested state.', max_length=2, verbose_name='requested state')),
                ('outcome', models.CharField(blank=True, choices=[('extradited', 'Extradited'), ('refused', 'Refused'), ('withdrawn', 'Request withdrawn'), ('discharged', 'Discharged'), ('settled', 'Ended by plea or other settlement'), ('died', 'Person died before surrender'), ('fled', 'Person fled'), ('asylum', 'Person granted asylum'), ('deported', 'Removed by deportation instead'), ('lapsed', 'Lapsed or abandoned'), ('other', 'Other')], max_length=20, verbose_name='extradition outcome')),
                ('after_surrender', models.CharField(blank=True, choices=[('pending', 'Awaiting trial'), ('on_trial', 'On trial'), ('convicted', 'Convicted'), ('acquitted', 'Acquitted'), ('charges_dropped', 'Charges dropped'), ('serving_sentence', 'Serving sentence'), ('released', 'Released'), ('died', 'Died'), ('returned', 'Returned to the requested state')], max_length=20, verbose_name='after surrender')),
                ('is_open', models.BooleanField(help_text='Whether these cases are still followed (no closing day).', verbose_name='open')),
                ('cases', models.IntegerField(default=0, help_text="The number of live cases with these values; kept by Case.save in the change's transaction.", verbose_name='cases')),
            ],
            options={
                'verbose_name': 'case count',
                'verbose_name_plural': 'case counts',
            },
        ),
        migrations.AddConstraint(
            model_name='casefacet',
            constraint=models.UniqueConstraint(fields=('requesting_state', 'requested_state', 'stage', 'outcome', 'after_surrender', 'is_open'), name='case_facet_unique'),
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop, elidable=True),
    ]
