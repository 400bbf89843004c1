WITH "t22" AS (
  SELECT
    "t21"."account_id",
    "t21"."day",
    "t21"."delta",
    "t21"."cur",
    "t21"."prev",
    "t21"."paid",
    "t21"."paid_before",
    CASE
      WHEN (
        "t21"."prev" <= 0
      )
      AND (
        "t21"."cur" > 0
      )
      AND (
        "t21"."paid_before" > 0
      )
      THEN 'reactivation'
      WHEN (
        "t21"."prev" <= 0
      ) AND (
        "t21"."cur" > 0
      )
      THEN 'new'
      WHEN (
        "t21"."prev" > 0
      ) AND (
        "t21"."cur" <= 0
      )
      THEN 'churn'
      WHEN (
        "t21"."prev" > 0
      ) AND (
        "t21"."cur" > "t21"."prev"
      )
      THEN 'expansion'
      WHEN (
        "t21"."prev" > 0
      ) AND (
        "t21"."cur" < "t21"."prev"
      )
      THEN 'contraction'
      ELSE CAST(NULL AS TEXT)
    END AS "kind",
    CASE
      WHEN (
        "t21"."prev" <= 0
      ) AND (
        "t21"."cur" > 0
      )
      THEN "t21"."cur"
      WHEN (
        "t21"."prev" > 0
      ) AND (
        "t21"."cur" <= 0
      )
      THEN "t21"."prev"
      ELSE ABS("t21"."cur" - "t21"."prev")
    END AS "amount"
  FROM (
    SELECT
      "t20"."account_id",
      "t20"."day",
      "t20"."delta",
      "t20"."cur",
      "t20"."prev",
      "t20"."paid",
      SUM("t20"."paid") OVER (
        PARTITION BY "t20"."account_id"
        ORDER BY "t20"."day" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) - "t20"."paid" AS "paid_before"
    FROM (
      SELECT
        "t19"."account_id",
        "t19"."day",
        "t19"."delta",
        "t19"."cur",
        COALESCE(
          LAG("t19"."cur") OVER (
            PARTITION BY "t19"."account_id"
            ORDER BY "t19"."day" ASC
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ),
          0.0
        ) AS "prev",
        CASE WHEN "t19"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
      FROM (
        SELECT
          "t18"."account_id",
          "t18"."day",
          "t18"."delta",
          CASE WHEN ABS("t18"."cur") < 1e-06 THEN 0.0 ELSE "t18"."cur" END AS "cur"
        FROM (
          SELECT
            "t15"."account_id",
            "t15"."day",
            "t15"."delta",
            CAST(ROUND(
              SUM("t15"."delta") OVER (
                PARTITION BY "t15"."account_id"
                ORDER BY "t15"."day" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ),
              6
            ) AS DOUBLE) AS "cur"
          FROM (
            SELECT
              "t13"."account_id",
              "t13"."day",
              SUM("t13"."delta") AS "delta"
            FROM (
              SELECT
                *
              FROM (
                SELECT
                  "t2"."account_id",
                  "t2"."valid_from" AS "day",
                  COALESCE("t2"."mrr", 0.0) AS "delta"
                FROM "subscriptions" AS "t2"
              ) AS "t10"
              UNION ALL
              SELECT
                *
              FROM (
                SELECT
                  "t2"."account_id",
                  "t2"."valid_to" AS "day",
                  -(
                    COALESCE("t2"."mrr", 0.0)
                  ) AS "delta"
                FROM "subscriptions" AS "t2"
                WHERE
                  "t2"."valid_to" IS NOT NULL
              ) AS "t12"
            ) AS "t13"
            GROUP BY
              1,
              2
          ) AS "t15"
        ) AS "t18"
      ) AS "t19"
    ) AS "t20"
  ) AS "t21"
)
SELECT
  "t33"."_period",
  "t33"."segment",
  SUM("t33"."amount") FILTER(WHERE
    (
      "t33"."day" <= "t33"."w_period_hi"
    )
    AND (
      "t33"."day" >= "t33"."w_period_lo"
    )
    AND COALESCE("t33"."kind" = 'new', FALSE)) AS "new_mrr",
  SUM("t33"."amount") FILTER(WHERE
    (
      "t33"."day" <= "t33"."w_period_hi"
    )
    AND (
      "t33"."day" >= "t33"."w_period_lo"
    )
    AND COALESCE("t33"."kind" = 'expansion', FALSE)) AS "expansion_mrr",
  SUM("t33"."amount") FILTER(WHERE
    (
      "t33"."day" <= "t33"."w_period_hi"
    )
    AND (
      "t33"."day" >= "t33"."w_period_lo"
    )
    AND COALESCE("t33"."kind" = 'contraction', FALSE)) AS "contraction_mrr",
  SUM("t33"."amount") FILTER(WHERE
    (
      "t33"."day" <= "t33"."w_period_hi"
    )
    AND (
      "t33"."day" >= "t33"."w_period_lo"
    )
    AND COALESCE("t33"."kind" = 'churn', FALSE)) AS "churned_mrr",
  SUM("t33"."amount") FILTER(WHERE
    (
      "t33"."day" <= "t33"."w_period_hi"
    )
    AND (
      "t33"."day" >= "t33"."w_period_lo"
    )
    AND COALESCE("t33"."kind" = 'reactivation', FALSE)) AS "reactivation_mrr",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."day" <= "t33"."w_period_hi"
    )
    AND (
      "t33"."day" >= "t33"."w_period_lo"
    )
    AND COALESCE("t33"."kind" = 'new', FALSE)) AS "new_movements",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."day" <= "t33"."w_period_hi"
    )
    AND (
      "t33"."day" >= "t33"."w_period_lo"
    )
    AND COALESCE("t33"."kind" = 'churn', FALSE)) AS "churn_movements",
  MIN("t33"."day") FILTER(WHERE
    (
      "t33"."day" <= "t33"."w_to_date_hi"
    )
    AND COALESCE("t33"."kind" = 'new', FALSE)) AS "first_paid_day"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t29"."account_id",
      "t29"."day",
      "t29"."kind",
      "t29"."amount",
      "t31"."account_id" AS "account_id_right",
      "t31"."segment",
      "t3"."_period",
      "t3"."_end_t",
      "t3"."w_period_lo",
      "t3"."w_period_hi",
      "t3"."w_period_lo_t",
      "t3"."w_period_hi_t",
      "t3"."w_to_date_lo",
      "t3"."w_to_date_hi",
      "t3"."w_to_date_lo_t",
      "t3"."w_to_date_hi_t"
    FROM (
      SELECT
        "t23"."account_id",
        "t23"."day",
        "t23"."kind",
        "t23"."amount"
      FROM "t22" AS "t23"
      WHERE
        "t23"."kind" IS NOT NULL
        AND (
          (
            (
              "t23"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t23"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t23"."kind" = 'new', FALSE)
          )
          OR (
            (
              "t23"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t23"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t23"."kind" = 'expansion', FALSE)
          )
          OR (
            (
              "t23"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t23"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t23"."kind" = 'contraction', FALSE)
          )
          OR (
            (
              "t23"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t23"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t23"."kind" = 'churn', FALSE)
          )
          OR (
            (
              "t23"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t23"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t23"."kind" = 'reactivation', FALSE)
          )
          OR (
            (
              "t23"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t23"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t23"."kind" = 'new', FALSE)
          )
          OR (
            (
              "t23"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t23"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t23"."kind" = 'churn', FALSE)
          )
          OR (
            (
              "t23"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND COALESCE("t23"."kind" = 'new', FALSE)
          )
        )
    ) AS "t29"
    LEFT OUTER JOIN (
      SELECT
        "t27"."account_id",
        "t27"."segment"
      FROM (
        SELECT
          "t11"."account_id",
          "t7"."segment",
          "t7"."industry",
          "t7"."country",
          "t7"."owner",
          "t17"."plan",
          "t17"."product",
          "t26"."cohort"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t1"."account_id"
            FROM "accounts" AS "t1"
          ) AS "t4"
          UNION
          SELECT
            *
          FROM (
            SELECT
              "t2"."account_id"
            FROM "subscriptions" AS "t2"
          ) AS "t6"
        ) AS "t11"
        LEFT OUTER JOIN (
          SELECT
            "t1"."account_id",
            "t1"."segment",
            "t1"."industry",
            "t1"."country",
            "t1"."owner"
          FROM "accounts" AS "t1"
        ) AS "t7"
          ON "t11"."account_id" = "t7"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t14"."account_id",
            "t14"."plan",
            "t14"."product"
          FROM (
            SELECT
              "t9"."account_id",
              "t9"."subscription_id",
              "t9"."valid_from",
              "t9"."valid_until",
              "t9"."mrr",
              "t9"."seats",
              "t9"."plan",
              "t9"."product",
              "t9"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t9"."account_id"
                ORDER BY "t9"."valid_from" DESC, "t9"."mrr" DESC, "t9"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
            FROM (
              SELECT
                "t2"."account_id",
                "t2"."subscription_id",
                "t2"."valid_from",
                "t2"."valid_to" AS "valid_until",
                COALESCE("t2"."mrr", 0.0) AS "mrr",
                "t2"."seats",
                "t2"."plan",
                "t2"."product",
                "t2"."renewal_date"
              FROM "subscriptions" AS "t2"
              WHERE
                "t2"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t9"
          ) AS "t14"
          WHERE
            "t14"."_rank" = 0
        ) AS "t17"
          ON "t11"."account_id" = "t17"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t24"."account_id",
            DATE_TRUNC('MONTH', MIN("t24"."day")) AS "cohort"
          FROM (
            SELECT
              "t23"."account_id",
              "t23"."day",
              "t23"."kind",
              "t23"."amount"
            FROM "t22" AS "t23"
            WHERE
              "t23"."kind" IS NOT NULL
              AND "t23"."kind" = 'new'
              AND "t23"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t24"
          GROUP BY
            1
        ) AS "t26"
          ON "t11"."account_id" = "t26"."account_id"
      ) AS "t27"
    ) AS "t31"
      ON "t29"."account_id" = "t31"."account_id"
    CROSS JOIN "periods" AS "t3"
  ) AS "t32"
  WHERE
    (
      (
        "t32"."day" <= "t32"."w_period_hi"
      )
      AND (
        "t32"."day" >= "t32"."w_period_lo"
      )
    )
    OR (
      (
        "t32"."day" <= "t32"."w_period_hi"
      )
      AND (
        "t32"."day" >= "t32"."w_period_lo"
      )
    )
    OR (
      (
        "t32"."day" <= "t32"."w_period_hi"
      )
      AND (
        "t32"."day" >= "t32"."w_period_lo"
      )
    )
    OR (
      (
        "t32"."day" <= "t32"."w_period_hi"
      )
      AND (
        "t32"."day" >= "t32"."w_period_lo"
      )
    )
    OR (
      (
        "t32"."day" <= "t32"."w_period_hi"
      )
      AND (
        "t32"."day" >= "t32"."w_period_lo"
      )
    )
    OR (
      (
        "t32"."day" <= "t32"."w_period_hi"
      )
      AND (
        "t32"."day" >= "t32"."w_period_lo"
      )
    )
    OR (
      (
        "t32"."day" <= "t32"."w_period_hi"
      )
      AND (
        "t32"."day" >= "t32"."w_period_lo"
      )
    )
    OR (
      "t32"."day" <= "t32"."w_to_date_hi"
    )
) AS "t33"
GROUP BY
  1,
  2
