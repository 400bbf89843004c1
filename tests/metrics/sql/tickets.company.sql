SELECT
  "t6"."_period",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."created_at" < "t6"."w_period_hi_t"
    )
    AND (
      "t6"."created_at" >= "t6"."w_period_lo_t"
    )) AS "tickets_opened",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."created_at" < "t6"."w_to_date_hi_t"
    )
    AND COALESCE("t6"."is_open_at_end", FALSE)) AS "open_tickets",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."created_at" < "t6"."w_to_date_hi_t"
    )
    AND COALESCE("t6"."is_open_at_end" AND (
      "t6"."priority" = 'urgent'
    ), FALSE)) AS "urgent_open_tickets",
  QUANTILE_CONT("t6"."first_response_hours", 0.5) FILTER(WHERE
    (
      "t6"."first_response_at" < "t6"."w_period_hi_t"
    )
    AND (
      "t6"."first_response_at" >= "t6"."w_period_lo_t"
    )) AS "first_response_hours_median",
  QUANTILE_CONT("t6"."first_response_hours", 0.9) FILTER(WHERE
    (
      "t6"."first_response_at" < "t6"."w_period_hi_t"
    )
    AND (
      "t6"."first_response_at" >= "t6"."w_period_lo_t"
    )) AS "first_response_hours_p90",
  QUANTILE_CONT("t6"."resolution_hours", 0.5) FILTER(WHERE
    (
      "t6"."resolved_at" < "t6"."w_period_hi_t"
    )
    AND (
      "t6"."resolved_at" >= "t6"."w_period_lo_t"
    )) AS "resolution_hours_median",
  QUANTILE_CONT("t6"."resolution_hours", 0.9) FILTER(WHERE
    (
      "t6"."resolved_at" < "t6"."w_period_hi_t"
    )
    AND (
      "t6"."resolved_at" >= "t6"."w_period_lo_t"
    )) AS "resolution_hours_p90",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."created_at" < "t6"."w_period_hi_t"
    )
    AND (
      "t6"."created_at" >= "t6"."w_period_lo_t"
    )) AS "sla_tickets",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."created_at" < "t6"."w_period_hi_t"
    )
    AND (
      "t6"."created_at" >= "t6"."w_period_lo_t"
    )
    AND COALESCE("t6"."sla_breached", FALSE)) AS "sla_breaches"
FROM (
  SELECT
    "t5"."account_id",
    "t5"."created_at",
    "t5"."first_response_at",
    "t5"."resolved_at",
    "t5"."status",
    "t5"."satisfaction",
    "t5"."priority",
    "t5"."first_response_hours",
    "t5"."resolution_hours",
    "t5"."sla_target_hours",
    "t5"."_period",
    "t5"."_end_t",
    "t5"."w_period_lo",
    "t5"."w_period_hi",
    "t5"."w_period_lo_t",
    "t5"."w_period_hi_t",
    "t5"."w_to_date_lo",
    "t5"."w_to_date_hi",
    "t5"."w_to_date_lo_t",
    "t5"."w_to_date_hi_t",
    CASE
      WHEN "t5"."resolved_at" IS NULL
      THEN NOT (
        COALESCE("t5"."status" IN ('solved', 'closed'), FALSE)
      )
      ELSE "t5"."resolved_at" >= "t5"."_end_t"
    END AS "is_open_at_end",
    CASE
      WHEN (
        "t5"."first_response_at" IS NOT NULL
      )
      AND (
        "t5"."first_response_at" < "t5"."_end_t"
      )
      THEN "t5"."first_response_hours" > "t5"."sla_target_hours"
      ELSE (
        CAST(DATE_DIFF('MILLISECOND', "t5"."created_at", "t5"."_end_t") AS DOUBLE) / 3600000
      ) > "t5"."sla_target_hours"
    END AS "sla_breached"
  FROM (
    SELECT
      "t4"."account_id",
      "t4"."created_at",
      "t4"."first_response_at",
      "t4"."resolved_at",
      "t4"."status",
      "t4"."satisfaction",
      "t4"."priority",
      "t4"."first_response_hours",
      "t4"."resolution_hours",
      "t4"."sla_target_hours",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_period_lo",
      "t2"."w_period_hi",
      "t2"."w_period_lo_t",
      "t2"."w_period_hi_t",
      "t2"."w_to_date_lo",
      "t2"."w_to_date_hi",
      "t2"."w_to_date_lo_t",
      "t2"."w_to_date_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."created_at",
        "t0"."first_response_at",
        "t0"."resolved_at",
        "t0"."status",
        "t0"."satisfaction",
        COALESCE("t0"."priority", 'normal') AS "priority",
        CAST(DATE_DIFF('MILLISECOND', "t0"."created_at", "t0"."first_response_at") AS DOUBLE) / 3600000 AS "first_response_hours",
        CAST(DATE_DIFF('MILLISECOND', "t0"."created_at", "t0"."resolved_at") AS DOUBLE) / 3600000 AS "resolution_hours",
        CASE
          WHEN COALESCE("t0"."priority", 'normal') = 'urgent'
          THEN 1.0
          WHEN COALESCE("t0"."priority", 'normal') = 'high'
          THEN 4.0
          WHEN COALESCE("t0"."priority", 'normal') = 'low'
          THEN 24.0
          ELSE 8.0
        END AS "sla_target_hours"
      FROM "tickets" AS "t0"
    ) AS "t4"
    CROSS JOIN "periods" AS "t2"
  ) AS "t5"
  WHERE
    (
      (
        "t5"."created_at" < "t5"."w_period_hi_t"
      )
      AND (
        "t5"."created_at" >= "t5"."w_period_lo_t"
      )
    )
    OR (
      "t5"."created_at" < "t5"."w_to_date_hi_t"
    )
    OR (
      "t5"."created_at" < "t5"."w_to_date_hi_t"
    )
    OR (
      (
        "t5"."first_response_at" < "t5"."w_period_hi_t"
      )
      AND (
        "t5"."first_response_at" >= "t5"."w_period_lo_t"
      )
    )
    OR (
      (
        "t5"."first_response_at" < "t5"."w_period_hi_t"
      )
      AND (
        "t5"."first_response_at" >= "t5"."w_period_lo_t"
      )
    )
    OR (
      (
        "t5"."resolved_at" < "t5"."w_period_hi_t"
      )
      AND (
        "t5"."resolved_at" >= "t5"."w_period_lo_t"
      )
    )
    OR (
      (
        "t5"."resolved_at" < "t5"."w_period_hi_t"
      )
      AND (
        "t5"."resolved_at" >= "t5"."w_period_lo_t"
      )
    )
    OR (
      (
        "t5"."created_at" < "t5"."w_period_hi_t"
      )
      AND (
        "t5"."created_at" >= "t5"."w_period_lo_t"
      )
    )
    OR (
      (
        "t5"."created_at" < "t5"."w_period_hi_t"
      )
      AND (
        "t5"."created_at" >= "t5"."w_period_lo_t"
      )
    )
) AS "t6"
GROUP BY
  1
