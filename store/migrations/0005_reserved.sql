-- Reserved: this number's migration belongs to the per-host groups change.
SELECT 1;
