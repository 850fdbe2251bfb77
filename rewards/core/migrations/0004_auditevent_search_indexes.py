"""Indexes for the auditor's search of the audit log (/staff/audit): by actor label, role,
organisation and result, each followed by the id so that a page is read in id order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_throttleevent"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_label", "id"], name="audit_actor_label_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["role", "id"], name="audit_role_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["organisation_id", "id"], name="audit_organisation_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["result", "id"], name="audit_result_idx"),
        ),
    ]
