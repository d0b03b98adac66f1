// Every Jobber GraphQL field Kudos reads, in one place, with the response shapes validated by zod.
// Field names follow Jobber's public schema as used by published integrations; the ones marked
// "unconfirmed" have no primary source here: if Jobber rejects one, change it only in this file.
import { z } from "zod";

export interface JobberOperation {
  name: string;
  query: string;
  /** First guess at the requested cost, before Jobber has told us (extensions.cost). */
  estimatedCost: number;
}

const CLIENT_FIELDS = /* GraphQL */ `
  fragment KudosClientFields on Client {
    id
    firstName
    lastName
    emails { address primary }
    phones { number primary }
    billingAddress { province country }
  }
`;

// completedAt on Job: unconfirmed (the visit's completedAt is the fallback).
// customFields and its CustomFieldText/CustomFieldTrueFalse members: unconfirmed.
const JOB_FIELDS = /* GraphQL */ `
  fragment KudosJobFields on Job {
    id
    jobNumber
    title
    jobStatus
    completedAt
    lineItems(first: 1) { nodes { name } }
    customFields {
      __typename
      ... on CustomFieldText { label valueText }
      ... on CustomFieldTrueFalse { label valueTrueFalse }
    }
    client { ...KudosClientFields }
  }
`;

export const JOB_QUERY: JobberOperation = {
  name: "KudosJob",
  query: `query KudosJob($id: EncodedId!) { job(id: $id) { ...KudosJobFields } }\n${JOB_FIELDS}${CLIENT_FIELDS}`,
  estimatedCost: 60,
};

/** VISIT_COMPLETE names a visit: read it and its job in one query. */
export const VISIT_QUERY: JobberOperation = {
  name: "KudosVisit",
  query: `query KudosVisit($id: EncodedId!) { visit(id: $id) { id completedAt job { ...KudosJobFields } } }\n${JOB_FIELDS}${CLIENT_FIELDS}`,
  estimatedCost: 70,
};

export const CLIENT_QUERY: JobberOperation = {
  name: "KudosClient",
  query: `query KudosClient($id: EncodedId!) { client(id: $id) { ...KudosClientFields } }\n${CLIENT_FIELDS}`,
  estimatedCost: 20,
};

/**
 * Read right after the code exchange: which account was just installed, and who connected it.
 * `user` with no id is the user the token acts as; Jobber recommends storing that id (the user
 * cannot be deactivated without disconnecting the app: Developer Center, "Manage App Button").
 */
export const ACCOUNT_QUERY: JobberOperation = {
  name: "KudosAccount",
  query: `query KudosAccount { account { id name } user { id } }`,
  estimatedCost: 2,
};

const str = z.string();

export const jobberClientSchema = z.object({
  id: str,
  firstName: str.nullish(),
  lastName: str.nullish(),
  emails: z.array(z.object({ address: str.nullish(), primary: z.boolean().nullish() })).nullish(),
  phones: z.array(z.object({ number: str.nullish(), primary: z.boolean().nullish() })).nullish(),
  billingAddress: z.object({ province: str.nullish(), country: str.nullish() }).nullish(),
});

const customFieldSchema = z.looseObject({
  __typename: str.optional(),
  label: str.nullish(),
  valueText: str.nullish(),
  valueTrueFalse: z.boolean().nullish(),
});

export const jobberJobSchema = z.object({
  id: str,
  jobNumber: z.union([z.number(), str]).nullish(),
  title: str.nullish(),
  jobStatus: str,
  completedAt: str.nullish(),
  lineItems: z.object({ nodes: z.array(z.object({ name: str.nullish() })) }).nullish(),
  customFields: z.array(customFieldSchema).nullish(),
  client: jobberClientSchema,
});

export const jobResponseSchema = z.object({ job: jobberJobSchema.nullable() });
export const visitResponseSchema = z.object({
  visit: z.object({ id: str, completedAt: str.nullish(), job: jobberJobSchema.nullable() }).nullable(),
});
export const clientResponseSchema = z.object({ client: jobberClientSchema.nullable() });
export const accountResponseSchema = z.object({
  account: z.object({ id: str, name: str.nullish() }),
  user: z.object({ id: str }).nullish(),
});

export type JobberJob = z.infer<typeof jobberJobSchema>;
export type JobberClient = z.infer<typeof jobberClientSchema>;
export type JobberCustomField = z.infer<typeof customFieldSchema>;
