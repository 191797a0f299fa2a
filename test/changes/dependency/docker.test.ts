import { describe, expect, test } from 'vitest';
import { failureOf } from '../../support/failure-of.js';
import { edited, runTransform } from './run-transform.js';

const digest = `sha256:${'a1'.repeat(32)}`;
const newDigest = `sha256:${'b2'.repeat(32)}`;
const dockerfile = `# syntax=docker/dockerfile:1
ARG NODE_VERSION=18.19.0
FROM --platform=$BUILDPLATFORM node:\${NODE_VERSION}-alpine AS deps
WORKDIR /app

FROM docker.io/library/node:18.19.0@${digest} AS build
COPY . .
RUN npm run build

FROM node AS bare
FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /app/dist /app
`;

function bump(files: Record<string, string>, options: Record<string, unknown> = {}) {
  return runTransform('docker', files, { package: 'node', version: '20.11.1', ...options });
}

describe('Dockerfile FROM lines', () => {
  test('docker.io/library/ and a bare name are the same image; the stale digest is dropped and said so', async () => {
    const outcome = await bump({ Dockerfile: dockerfile });
    expect(edited(outcome, 'Dockerfile')).toBe(dockerfile.replace(`node:18.19.0@${digest} AS build`, 'node:20.11.1 AS build').replace('FROM node AS bare', 'FROM node:20.11.1 AS bare'));
    expect(outcome.changed[0]).toContain('Dockerfile (FROM; was 18.19.0@sha256:a1a1a1a1a1a1…, (no tag); the digest it was pinned to is dropped');
    expect(outcome.lockfiles).toEqual([]);
  });

  test('a tag with a digest in the spec pins it', async () => {
    const outcome = await bump({ 'api.Dockerfile': dockerfile }, { version: `20.11.1@${newDigest}` });
    expect(edited(outcome, 'api.Dockerfile')).toContain(`FROM docker.io/library/node:20.11.1@${newDigest} AS build`);
  });

  test('ARG X=tag used as FROM image:${X}: the ARG changes', async () => {
    const text = 'ARG GO_VERSION="1.21.5"\nFROM golang:${GO_VERSION} AS build\nFROM golang:$GO_VERSION\n';
    const outcome = await bump({ 'Containerfile': text }, { package: 'golang', version: '1.22.0' });
    expect(edited(outcome, 'Containerfile')).toBe(text.replace('"1.21.5"', '"1.22.0"'));
    expect(outcome.declarations).toBe(2);
  });

  test('a registry image by its full name; stages and other images left alone; already at the tag', async () => {
    const text = 'FROM ghcr.io/acme/base:1.4 AS base\nFROM base\nFROM ghcr.io/acme/base-slim:1.4\n';
    const outcome = await bump({ 'Dockerfile.prod': text }, { package: 'ghcr.io/acme/base', version: '1.5' });
    expect(edited(outcome, 'Dockerfile.prod')).toBe(text.replace('base:1.4 AS', 'base:1.5 AS'));
    const already = await bump({ 'Dockerfile.prod': text }, { package: 'ghcr.io/acme/base', version: '1.4' });
    expect(already).toMatchObject({ edits: [], already: ['Dockerfile.prod'], declarations: 1 });
  });

  test('a tag Docker cannot take is refused; a tag from a build argument without default is an error naming the file', async () => {
    const bad = await failureOf(bump({ Dockerfile: dockerfile }, { version: '20@sha256:short' }));
    expect(bad.code).toBe('change_invalid');
    const noDefault = await failureOf(bump({ 'deploy/Dockerfile': 'ARG NODE\nFROM node:${NODE}\n' }));
    expect(noDefault.code).toBe('change_failed');
    expect(noDefault.message).toContain('deploy/Dockerfile in acme/payments-api takes the tag of node from the build argument NODE');
  });
});

describe('variants', () => {
  test('a bare version keeps the old tag\'s variant; a spec with its own variant is written as given', async () => {
    const text = 'FROM node:18.19.0-alpine AS build\nFROM node:18.19.0\nFROM eclipse-temurin:17-jre\n';
    const bare = await bump({ Dockerfile: text });
    expect(edited(bare, 'Dockerfile')).toBe('FROM node:20.11.1-alpine AS build\nFROM node:20.11.1\nFROM eclipse-temurin:17-jre\n');
    const slim = await bump({ Dockerfile: text }, { version: '20-slim' });
    expect(edited(slim, 'Dockerfile')).toBe('FROM node:20-slim AS build\nFROM node:20-slim\nFROM eclipse-temurin:17-jre\n');
    const jre = await bump({ Dockerfile: 'ARG TEMURIN=17-jre\nFROM eclipse-temurin:${TEMURIN}\n' }, { package: 'eclipse-temurin', version: '21' });
    expect(edited(jre, 'Dockerfile')).toBe('ARG TEMURIN=21-jre\nFROM eclipse-temurin:${TEMURIN}\n');
    const already = await bump({ Dockerfile: 'FROM node:20.11.1-alpine\n' });
    expect(already).toMatchObject({ edits: [], already: ['Dockerfile'] });
  });
});
